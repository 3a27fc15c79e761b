package io.llava4j.train.testing;

import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference gradient checks: central differences of a scalar loss against an analytic gradient. */
public final class Fd {
    private Fd() {}

    public static float[] rand(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    /** sum_i out[i] * w[i] in double. */
    public static double dot(float[] out, float[] w, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) out[i] * w[i];
        return s;
    }

    /**
     * Checks {@code grad} (dLoss/dx) at up to {@code samples} entries of x (all when fewer) with step h; the error
     * allowed is {@code tol * max(|grad|)} plus 1e-4 absolute. Prints the worst relative error.
     */
    public static void check(String name, float[] x, float[] grad, DoubleSupplier loss, int samples, float h, double tol) {
        Random r = new Random(name.hashCode());
        double scale = 0;
        for (float g : grad) scale = Math.max(scale, Math.abs(g));
        double worst = 0;
        int n = Math.min(samples, x.length);
        for (int s = 0; s < n; s++) {
            int i = x.length <= samples ? s : r.nextInt(x.length);
            float keep = x[i];
            x[i] = keep + h;
            double lp = loss.getAsDouble();
            x[i] = keep - h;
            double lm = loss.getAsDouble();
            x[i] = keep;
            double fd = (lp - lm) / (2.0 * ((double) (keep + h) - keep));
            double err = Math.abs(fd - grad[i]);
            worst = Math.max(worst, err / Math.max(scale, 1e-12));
            assertTrue(err <= tol * scale + 1e-4, name + "[" + i + "]: finite difference " + fd + " vs analytic " + grad[i] + " (max |grad| " + scale + ")");
        }
        System.out.printf("[fd] %-40s %d entries, worst error / max|grad| = %.2e%n", name, n, worst);
    }
}
