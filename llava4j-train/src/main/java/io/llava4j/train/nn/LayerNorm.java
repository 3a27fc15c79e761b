package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;

/**
 * nn.LayerNorm forward/backward over rows of x (n, dim), biased variance, eps inside the sqrt (statistics in double,
 * as core's kernel).
 */
public final class LayerNorm {
    private LayerNorm() {}

    /** y = (x - mean) * rstd * w + b; mean[t], rstd[t] kept for backward. b may be null. */
    public static void forward(float[] x, int n, int dim, float[] w, float[] b, float eps, float[] y, float[] mean, float[] rstd) {
        Parallel.forRange(n, RmsNorm.rows(dim), (t0, t1) -> forward(x, t0, t1, dim, w, b, eps, y, mean, rstd));
    }

    private static void forward(float[] x, int t0, int t1, int dim, float[] w, float[] b, float eps, float[] y, float[] mean, float[] rstd) {
        for (int t = t0; t < t1; t++) {
            int o = t * dim;
            double m = 0;
            for (int i = 0; i < dim; i++) m += x[o + i];
            m /= dim;
            double v = 0;
            for (int i = 0; i < dim; i++) { double d = x[o + i] - m; v += d * d; }
            v /= dim;
            double inv = 1.0 / Math.sqrt(v + eps);
            mean[t] = (float) m;
            rstd[t] = (float) inv;
            for (int i = 0; i < dim; i++) y[o + i] = (float) ((x[o + i] - m) * inv) * w[i] + (b == null ? 0f : b[i]);
        }
    }

    /**
     * dx += dL/dx; dw, db += their gradients (either may be null). With xhat = (x - mean) r and g = dy * w:
     * dx = r (g - mean(g) - xhat mean(g xhat)).
     */
    public static void backward(float[] dy, float[] x, int n, int dim, float[] w, float[] mean, float[] rstd,
                                float[] dx, float[] dw, float[] db) {
        Parallel.forRange(n, RmsNorm.rows(dim), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int o = t * dim;
                float m = mean[t], r = rstd[t];
                double sg = 0, sgx = 0;
                for (int i = 0; i < dim; i++) {
                    float xhat = (x[o + i] - m) * r;
                    float g = dy[o + i] * w[i];
                    sg += g;
                    sgx += (double) g * xhat;
                }
                float mg = (float) (sg / dim), mgx = (float) (sgx / dim);
                for (int i = 0; i < dim; i++) {
                    float xhat = (x[o + i] - m) * r;
                    dx[o + i] += r * (dy[o + i] * w[i] - mg - xhat * mgx);
                }
            }
        });
        // dw, db: split by column, each summed over the rows in order
        if (dw != null || db != null) Parallel.forRange(dim, Math.max(1, dim / 8), (i0, i1) -> {
            for (int t = 0; t < n; t++) {
                int o = t * dim;
                float m = mean[t], r = rstd[t];
                for (int i = i0; i < i1; i++) {
                    if (dw != null) dw[i] += dy[o + i] * ((x[o + i] - m) * r);
                    if (db != null) db[i] += dy[o + i];
                }
            }
        });
    }
}
