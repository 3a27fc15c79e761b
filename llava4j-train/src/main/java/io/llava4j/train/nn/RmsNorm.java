package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;

/**
 * LLaMA RMSNorm forward/backward over rows of x (n, dim): y = w * x * r, r = 1 / sqrt(mean(x^2) + eps), the mean of
 * squares accumulated in double (HF computes it in fp32), r rounded to float as core's kernel does.
 */
public final class RmsNorm {
    private RmsNorm() {}

    /** y = norm(x); rstd[t] = r of row t (kept for backward). */
    public static void forward(float[] x, int n, int dim, float[] w, float eps, float[] y, float[] rstd) {
        Parallel.forRange(n, rows(dim), (t0, t1) -> forward(x, t0, t1, dim, w, eps, y, rstd));
    }

    /** Rows per parallel chunk: rows are independent, so any split gives the same bits. */
    static int rows(int dim) { return Math.max(1, 8192 / Math.max(1, dim)); }

    private static void forward(float[] x, int t0, int t1, int dim, float[] w, float eps, float[] y, float[] rstd) {
        for (int t = t0; t < t1; t++) {
            int o = t * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) x[o + i] * x[o + i];
            float r = (float) (1.0 / Math.sqrt(ss / dim + eps));
            rstd[t] = r;
            for (int i = 0; i < dim; i++) y[o + i] = w[i] * (x[o + i] * r);
        }
    }

    /**
     * dx += dL/dx, dw += dL/dw (dw may be null): with g = w * dy,
     * dx_i = r g_i - r^3 x_i sum_j(g_j x_j) / dim, dw_i = sum_t dy_i x_i r.
     */
    public static void backward(float[] dy, float[] x, int n, int dim, float[] w, float[] rstd, float[] dx, float[] dw) {
        Parallel.forRange(n, rows(dim), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int o = t * dim;
                float r = rstd[t];
                double dot = 0;
                for (int i = 0; i < dim; i++) dot += (double) w[i] * dy[o + i] * x[o + i];
                float c = (float) (dot * r * r * r / dim);
                for (int i = 0; i < dim; i++) dx[o + i] += r * w[i] * dy[o + i] - c * x[o + i];
            }
        });
        // dw: split by column, each summed over the rows in order
        if (dw != null) Parallel.forRange(dim, Math.max(1, dim / 8), (i0, i1) -> {
            for (int t = 0; t < n; t++) {
                int o = t * dim;
                float r = rstd[t];
                for (int i = i0; i < i1; i++) dw[i] += dy[o + i] * x[o + i] * r;
            }
        });
    }
}
