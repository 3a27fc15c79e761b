package io.llava4j.kernels;

/** Plain reference versions of the kernels (the twins the fast versions are tested against). */
public final class ScalarOps {
    private ScalarOps() {}

    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float r = 0;
        for (int i = 0; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
    }

    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /** out[t][o] = sum_i x[t][i] * w[o][i] (+ bias[o]); w given as widened floats [out][in]. */
    public static void matmul(float[] x, int n, int in, float[] w, float[] bias, float[] out, int outDim) {
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < outDim; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += (double) x[t * in + i] * w[o * in + i];
                out[t * outDim + o] = (float) s;
            }
        }
    }
}
