package io.llava4j.train.nn;

import java.util.Arrays;

/**
 * The LLaMA decoder stack over input embeddings, with the LM head and the loss: layers, final RMSNorm, LM head,
 * cross-entropy against per-row targets (row t predicts targets[t]; -100 = none), and the backward pass down to the
 * input embeddings.
 *
 * <p>Memory: the input of every layer is kept ((L+1) x T x hidden floats). With {@code recompute} (the default) one
 * set of layer activations is shared: the backward pass re-runs each layer's forward from its kept input just before
 * that layer's backward (activation checkpointing per layer, one extra forward in total); without it every layer
 * keeps its own activations.
 */
public final class LlamaDecoder {
    public final LlamaLayer[] layers;
    public final VectorWeight finalNorm;
    public final Weight lmHead;
    public final int hidden;
    public final float eps;
    private final boolean recompute;

    private final LlamaLayer.Acts[] acts;
    private final LlamaLayer.Scratch scratch = new LlamaLayer.Scratch();
    private final LmHeadLoss head = new LmHeadLoss();
    private float[][] xs = new float[0][];
    private float[] hn = new float[0], rstd = new float[0], dh = new float[0], dh2 = new float[0], tmp = new float[0];
    private int cap;

    public LlamaDecoder(LlamaLayer[] layers, VectorWeight finalNorm, Weight lmHead, float eps, boolean recompute) {
        this.layers = layers.clone();
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.hidden = finalNorm.size();
        this.eps = eps;
        this.recompute = recompute;
        this.acts = new LlamaLayer.Acts[recompute ? 1 : layers.length];
        for (int i = 0; i < acts.length; i++) acts[i] = new LlamaLayer.Acts();
    }

    private void ensure(int T) {
        if (T <= cap && xs.length == layers.length + 1) return;
        int c = Math.max(T, cap);
        xs = new float[layers.length + 1][c * hidden];
        hn = new float[c * hidden];
        dh = new float[c * hidden];
        dh2 = new float[c * hidden];
        tmp = new float[c * hidden];
        rstd = new float[c];
        cap = c;
    }

    private LlamaLayer.Acts acts(int l) { return acts[recompute ? 0 : l]; }

    /**
     * Forward (and, when {@code backward}, backward) over one sequence.
     *
     * @param emb       (T, hidden) input embeddings (read only)
     * @param targets   (T) next-token target per row, -100 for none
     * @param gradScale factor on the summed loss's gradient (1 / trained tokens of the batch)
     * @param demb      (T, hidden) receives dL/demb (overwritten) when not null
     * @return the summed loss of the rows with a target
     */
    public double run(float[] emb, int T, int[] targets, float gradScale, boolean backward, float[] demb, long seed) {
        return run(emb, new int[] {0, T}, targets, gradScale, backward, demb, seed, null);
    }

    /**
     * Packed sequences (rows [seg[i], seg[i+1]) are sequence i); rowLoss (when not null) receives each trained row's
     * loss.
     */
    public double run(float[] emb, int[] seg, int[] targets, float gradScale, boolean backward, float[] demb, long seed, double[] rowLoss) {
        int T = seg[seg.length - 1];
        ensure(T);
        int h = hidden;
        System.arraycopy(emb, 0, xs[0], 0, T * h);
        for (int l = 0; l < layers.length; l++) layers[l].forward(xs[l], seg, xs[l + 1], acts(l), seed * 1000 + l);
        float[] last = xs[layers.length];
        RmsNorm.forward(last, T, h, finalNorm.values, eps, hn, rstd);
        if (!backward) return head.forwardBackward(hn, T, h, targets, frozenView(), 0f, null, rowLoss);
        Arrays.fill(dh, 0, T * h, 0f);
        double loss = head.forwardBackward(hn, T, h, targets, lmHead, gradScale, dh, rowLoss);
        Arrays.fill(dh2, 0, T * h, 0f);
        RmsNorm.backward(dh, last, T, h, finalNorm.values, rstd, dh2, finalNorm.grad());
        float[] d = dh2;
        for (int l = layers.length - 1; l >= 0; l--) {
            if (recompute && l != layers.length - 1) layers[l].forward(xs[l], seg, tmp, acts(l), seed * 1000 + l);
            layers[l].backward(d, xs[l], T, d, acts(l), scratch);
        }
        if (demb != null) System.arraycopy(d, 0, demb, 0, T * h);
        return loss;
    }

    private Weight frozenViewCache;

    /** The head without gradient bookkeeping, for forward-only passes. */
    private Weight frozenView() {
        if (!lmHead.trainable()) return lmHead;
        if (frozenViewCache == null) frozenViewCache = Weight.frozen(lmHead.name, lmHead.dense, lmHead.rows, lmHead.cols);
        return frozenViewCache;
    }
}
