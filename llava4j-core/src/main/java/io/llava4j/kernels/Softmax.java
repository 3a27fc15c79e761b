package io.llava4j.kernels;

/** Numerically stable softmax in place over a[off..off+n). */
public final class Softmax {
    private Softmax() {}

    public static void softmax(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, a[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) { float e = (float) Math.exp(a[off + i] - max); a[off + i] = e; sum += e; }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) a[off + i] *= inv;
    }
}
