package io.llava4j.nn;

import io.llava4j.kernels.AttentionKernel;

/**
 * Scaled dot-product attention over packed rows. Layouts: q (n, heads*d); k, v (len, kvHeads*d);
 * out (n, heads*d). Grouped-query: query head h reads kv head h / (heads / kvHeads).
 */
public final class Attention {
    private Attention() {}

    /** Bidirectional (vision towers): every query sees all n keys. */
    public static void full(float[] q, float[] k, float[] v, int n, int heads, int d, float scale, float[] out) {
        attend(q, k, v, n, n, 0, heads, heads, d, scale, false, 0, out);
    }

    /**
     * Causal (decoders): query i sits at absolute position start+i and sees keys [0, start+i]
     * (or the last {@code window} of them when window > 0). k, v hold len = start + n rows.
     */
    public static void causal(float[] q, float[] k, float[] v, int n, int start, int heads, int kvHeads, int d,
                              float scale, int window, float[] out) {
        attend(q, k, v, n, start + n, start, heads, kvHeads, d, scale, true, window, out);
    }

    private static void attend(float[] q, float[] k, float[] v, int n, int len, int start, int heads, int kvHeads,
                               int d, float scale, boolean causal, int window, float[] out) {
        AttentionKernel.attend(q, k, v, n, len, start, heads, kvHeads, d, scale, causal, window, out);
    }
}
