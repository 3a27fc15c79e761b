package io.llava4j.kernels;

/** Normalisations over rows of a [n][dim] float buffer. */
public final class Norms {
    private Norms() {}

    /** LayerNorm with weight and bias, eps inside the sqrt (PyTorch semantics, biased variance). */
    public static void layerNorm(float[] x, int n, int dim, float[] w, float[] b, float eps, float[] out) {
        for (int t = 0; t < n; t++) {
            int o = t * dim;
            double mean = 0;
            for (int i = 0; i < dim; i++) mean += x[o + i];
            mean /= dim;
            double var = 0;
            for (int i = 0; i < dim; i++) { double d = x[o + i] - mean; var += d * d; }
            var /= dim;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int i = 0; i < dim; i++) {
                out[o + i] = (float) ((x[o + i] - mean) * inv) * w[i] + (b == null ? 0f : b[i]);
            }
        }
    }

    /** LLaMA RMSNorm: x / sqrt(mean(x^2) + eps) * w, computed as HF does (fp32 variance, then cast). */
    public static void rmsNorm(float[] x, int n, int dim, float[] w, float eps, float[] out) {
        for (int t = 0; t < n; t++) {
            int o = t * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[o + i] * x[o + i];
            float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) out[o + i] = w[i] * (x[o + i] * inv);
        }
    }
}
