package io.llava4j.train.nn;

/** Plain-loop twins of {@link Gemm} (double accumulation), the reference the kernels are tested against. */
public final class GemmRef {
    private GemmRef() {}

    public static void nt(float[] x, int n, int k, float[] w, int m, float[] bias, float[] y) {
        for (int t = 0; t < n; t++)
            for (int o = 0; o < m; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < k; i++) s += (double) x[t * k + i] * w[o * k + i];
                y[t * m + o] = (float) s;
            }
    }

    public static void nnAcc(float[] dy, int n, int m, float[] w, float[] dx, int k) {
        for (int t = 0; t < n; t++)
            for (int i = 0; i < k; i++) {
                double s = 0;
                for (int o = 0; o < m; o++) s += (double) dy[t * m + o] * w[o * k + i];
                dx[t * k + i] += (float) s;
            }
    }

    public static void tnAcc(float[] dy, float[] x, int n, int m, int k, float[] dW) {
        for (int o = 0; o < m; o++)
            for (int i = 0; i < k; i++) {
                double s = 0;
                for (int t = 0; t < n; t++) s += (double) dy[t * m + o] * x[t * k + i];
                dW[o * k + i] += (float) s;
            }
    }
}
