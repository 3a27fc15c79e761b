package io.llava4j.train.nn;

/**
 * Inverted dropout whose mask is a pure function of (seed, index): keep with probability 1-p, scale kept values by
 * 1/(1-p), as nn.Dropout in training mode. Nothing is stored: the backward pass (and activation recomputation) gets
 * the same mask from the same seed.
 */
public final class Dropout {
    private Dropout() {}

    /** The multiplier of element {@code i} under {@code seed}: 0 or 1/(1-p). */
    public static float factor(long seed, long i, float p) {
        if (p <= 0f) return 1f;
        long z = seed * 0x9E3779B97F4A7C15L + i;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        double u = (z >>> 11) * 0x1.0p-53;
        return u < p ? 0f : 1f / (1f - p);
    }

    /** out[i] = x[i] * factor(seed, i, p) for i < n. */
    public static void apply(float[] x, float[] out, int n, long seed, float p) {
        for (int i = 0; i < n; i++) out[i] = x[i] * factor(seed, i, p);
    }
}
