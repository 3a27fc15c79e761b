package io.llava4j.train.nn;

/**
 * Cross-entropy of logit rows against integer targets, forward and backward at once (as HF's loss: targets equal to
 * {@link #IGNORE_INDEX} take no part). The log-sum-exp is accumulated in double.
 */
public final class CrossEntropy {
    public static final int IGNORE_INDEX = -100;

    private CrossEntropy() {}

    /**
     * Returns the sum over rows of -log softmax(logits)[target] (ignored rows add nothing) and, when dlogits is not
     * null, writes gradScale * (softmax - onehot) into it (zero rows for ignored targets). dlogits may be logits.
     */
    public static double forwardBackward(float[] logits, int rows, int vocab, int[] targets, int tOff, float gradScale, float[] dlogits) {
        return forwardBackward(logits, rows, vocab, targets, tOff, gradScale, dlogits, null);
    }

    /** The same, also writing each row's loss into rowLoss[r] (when not null). */
    public static double forwardBackward(float[] logits, int rows, int vocab, int[] targets, int tOff, float gradScale, float[] dlogits, double[] rowLoss) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int t = targets[tOff + r], o = r * vocab;
            if (t == IGNORE_INDEX) {
                if (dlogits != null) java.util.Arrays.fill(dlogits, o, o + vocab, 0f);
                continue;
            }
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("target id " + t + " outside the vocabulary (" + vocab + ")");
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) max = Math.max(max, logits[o + j]);
            double sum = 0;
            for (int j = 0; j < vocab; j++) sum += Math.exp(logits[o + j] - max);
            double lse = max + Math.log(sum);
            total += lse - logits[o + t];
            if (rowLoss != null) rowLoss[r] = lse - logits[o + t];
            if (dlogits != null) {
                for (int j = 0; j < vocab; j++) dlogits[o + j] = (float) (Math.exp(logits[o + j] - lse) * gradScale);
                dlogits[o + t] -= gradScale;
            }
        }
        return total;
    }
}
