package io.llava4j.nn;

import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.Softmax;
import io.llava4j.kernels.VectorOps;

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
        int group = heads / kvHeads;
        int qDim = heads * d, kvDim = kvHeads * d;
        Parallel.forRange(heads * n, 4, (from, to) -> {
            float[] scores = new float[len];
            for (int job = from; job < to; job++) {
                int h = job / n, i = job % n;
                int kh = h / group;
                int qo = i * qDim + h * d;
                int last = causal ? start + i : len - 1;
                int first = (causal && window > 0) ? Math.max(0, last - window + 1) : 0;
                int cnt = last - first + 1;
                for (int j = 0; j < cnt; j++) scores[j] = VectorOps.dot(q, qo, k, (first + j) * kvDim + kh * d, d) * scale;
                Softmax.softmax(scores, 0, cnt);
                int oo = i * qDim + h * d;
                java.util.Arrays.fill(out, oo, oo + d, 0f);
                for (int j = 0; j < cnt; j++) VectorOps.axpy(scores[j], v, (first + j) * kvDim + kh * d, out, oo, d);
            }
        });
    }
}
