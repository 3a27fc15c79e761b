package io.llava4j.train.nn;

import java.util.Arrays;

/**
 * The LM head and cross-entropy fused: only rows with a target (not -100) are projected, a chunk of rows at a time,
 * so the (T, vocab) logits never exist whole. Backward in the same pass: dhidden += dlogits W, dW += dlogits^T h
 * (when the head is trainable).
 */
public final class LmHeadLoss {
    private static final int CHUNK = 64;

    private float[] rows = new float[0], logits = new float[0], drows = new float[0];
    private final int[] idx = new int[CHUNK], tgt = new int[CHUNK];
    private final double[] chunkLoss = new double[CHUNK];

    /**
     * @param hidden    (T, h) final-normed hidden states
     * @param targets   (T) the id each row predicts, -100 for none
     * @param gradScale dL/dloss_sum factor (1 / trained tokens of the batch, times the caller's scale); 0 with
     *                  dhidden null for a forward-only pass
     * @param dhidden   (T, h) accumulated, or null
     * @return the sum of the rows' losses
     */
    public double forwardBackward(float[] hidden, int T, int h, int[] targets, Weight head, float gradScale, float[] dhidden) {
        return forwardBackward(hidden, T, h, targets, head, gradScale, dhidden, null);
    }

    /** The same, also writing each row's loss into rowLoss[t] (rows without a target are left alone). */
    public double forwardBackward(float[] hidden, int T, int h, int[] targets, Weight head, float gradScale, float[] dhidden, double[] rowLoss) {
        int V = head.rows;
        boolean backward = dhidden != null || head.trainable();
        if (rows.length < CHUNK * h) { rows = new float[CHUNK * h]; drows = new float[CHUNK * h]; }
        if (logits.length < CHUNK * V) logits = new float[CHUNK * V];
        double total = 0;
        int c = 0;
        for (int t = 0; t <= T; t++) {
            if (t < T && targets[t] != CrossEntropy.IGNORE_INDEX) {
                System.arraycopy(hidden, t * h, rows, c * h, h);
                idx[c] = t;
                tgt[c] = targets[t];
                c++;
            }
            if (c == CHUNK || (t == T && c > 0)) {
                Gemm.nt(rows, c, h, head, null, logits);
                total += CrossEntropy.forwardBackward(logits, c, V, tgt, 0, gradScale, backward ? logits : null, chunkLoss);
                if (rowLoss != null) for (int r = 0; r < c; r++) rowLoss[idx[r]] = chunkLoss[r];
                if (backward) {
                    if (head.trainable()) Gemm.tnAcc(logits, rows, c, V, h, head.param.grad);
                    if (dhidden != null) {
                        Arrays.fill(drows, 0, c * h, 0f);
                        Gemm.nnAcc(logits, c, V, head, drows, h);
                        for (int r = 0; r < c; r++) {
                            int o = idx[r] * h;
                            for (int i = 0; i < h; i++) dhidden[o + i] += drows[r * h + i];
                        }
                    }
                }
                c = 0;
            }
        }
        return total;
    }
}
