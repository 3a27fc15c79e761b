package io.llava4j.testing;

/** Numeric comparison helpers that print the largest difference (llm.c check_tensor style). */
public final class Diff {
    private Diff() {}

    public static double maxAbs(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("length " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    public static double maxAbs(float[] a, double[] b) {
        if (a.length != b.length) throw new AssertionError("length " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** Asserts max |a-b| <= tol, printing the difference either way. */
    public static void assertClose(String what, float[] actual, double[] expected, double tol) {
        double d = maxAbs(actual, expected);
        System.out.printf("[diff] %-50s max abs diff %.3e (tol %.1e, n=%d)%n", what, d, tol, actual.length);
        if (!(d <= tol)) throw new AssertionError(what + ": max abs diff " + d + " > " + tol);
    }

    public static void assertClose(String what, double actual, double expected, double tol) {
        double d = Math.abs(actual - expected);
        System.out.printf("[diff] %-50s |%.6g - %.6g| = %.3e (tol %.1e)%n", what, actual, expected, d, tol);
        if (!(d <= tol)) throw new AssertionError(what + ": " + actual + " vs " + expected + " diff " + d + " > " + tol);
    }
}
