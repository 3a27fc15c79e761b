package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;

/**
 * Elementwise activations as forward/backward pairs, scalar code whose results do not depend on JIT state (core's
 * vector kernels use the Vector API's exp, which may differ by an ulp between interpreted and compiled code); the
 * forwards agree with core's kernels to ~1e-7 relative. Backwards are the analytic derivatives:
 * <ul>
 *   <li>GELU (erf): d/dx = Phi(x) + x phi(x);</li>
 *   <li>quick_gelu (CLIP): x sigmoid(1.702 x), d/dx = s + 1.702 x s (1 - s);</li>
 *   <li>SwiGLU gate: h = silu(g) u, dg = dh u s (1 + g (1 - s)), du = dh silu(g).</li>
 * </ul>
 */
public final class Act {
    private Act() {}

    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    public enum Kind {
        GELU, QUICK_GELU;

        public static Kind of(String hfName) {
            return switch (hfName) {
                case "gelu" -> GELU;
                case "quick_gelu" -> QUICK_GELU;
                default -> throw new IllegalArgumentException("activation '" + hfName + "' has no backward here (gelu, quick_gelu)");
            };
        }
    }

    /** y = act(x) for n values (y may be x). */
    public static void forward(Kind k, float[] x, float[] y, int n) {
        Parallel.forRange(n, GRAIN, (a, b) -> {
            switch (k) {
                case GELU -> { for (int i = a; i < b; i++) { float v = x[i]; y[i] = (float) (0.5 * v * erfc(-v * INV_SQRT2)); } }
                case QUICK_GELU -> { for (int i = a; i < b; i++) { float v = x[i]; y[i] = v / (1f + (float) Math.exp(-1.702f * v)); } }
            }
        });
    }

    /** Elements per parallel chunk of the elementwise loops (each element is independent: same bits for any split). */
    static final int GRAIN = 8192;

    /** dx += dy * act'(x). */
    public static void backward(Kind k, float[] dy, float[] x, float[] dx, int n) {
        Parallel.forRange(n, GRAIN, (a, b) -> backward(k, dy, x, dx, a, b));
    }

    private static void backward(Kind k, float[] dy, float[] x, float[] dx, int a, int b) {
        switch (k) {
            case GELU -> {
                for (int i = a; i < b; i++) {
                    double v = x[i];
                    double cdf = 0.5 * erfc(-v * INV_SQRT2);
                    double pdf = Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
                    dx[i] += dy[i] * (float) (cdf + v * pdf);
                }
            }
            case QUICK_GELU -> {
                for (int i = a; i < b; i++) {
                    float v = x[i];
                    float s = 1f / (1f + (float) Math.exp(-1.702f * v));
                    dx[i] += dy[i] * (s + 1.702f * v * s * (1f - s));
                }
            }
        }
    }

    /** h = silu(g) * u (n values). */
    public static void swigluForward(float[] g, float[] u, float[] h, int n) {
        Parallel.forRange(n, GRAIN, (a, b) -> { for (int i = a; i < b; i++) h[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i]; });
    }

    /** dg, du += gradients of h = silu(g) * u. */
    public static void swigluBackward(float[] dh, float[] g, float[] u, float[] dg, float[] du, int n) {
        Parallel.forRange(n, GRAIN, (a, b) -> {
            for (int i = a; i < b; i++) {
                float x = g[i];
                float s = 1f / (1f + (float) Math.exp(-x));
                float silu = x * s;
                du[i] += dh[i] * silu;
                dg[i] += dh[i] * u[i] * s * (1f + x * (1f - s));
            }
        });
    }

    /** erfc by Numerical Recipes' Chebyshev fit (fractional error below 1.2e-7 everywhere), in double. */
    static double erfc(double z) {
        double az = Math.abs(z);
        double t = 1.0 / (1.0 + 0.5 * az);
        double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double ans = t * Math.exp(p - az * az);
        return z >= 0 ? ans : 2.0 - ans;
    }
}
