package io.llava4j.vision.preprocess;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;

/**
 * Compares preprocessed pixels with HF goldens. The budget: values may be at most one 8-bit step off
 * (one step = rescale/std in normalised units), on at most 0.1 % of the values. Prints the largest difference.
 */
final class PixelGolden {
    /** Differences below this are float32 noise, not a different 8-bit value. */
    static final double EXACT = 1e-6;

    private PixelGolden() {}

    /** One 8-bit step in normalised units for the widest channel: 1 / 255 / min(std). */
    static double step(ClipImageProcessor p) {
        double minStd = Arrays.stream(p.config().imageStd()).min().orElseThrow();
        return p.config().rescaleFactor() / (p.config().doNormalize() ? minStd : 1.0);
    }

    /** Full-array check. */
    static void assertArray(String what, float[] actual, double[] expected, double step) {
        if (actual.length != expected.length) throw new AssertionError(what + ": length " + actual.length + " vs " + expected.length);
        double max = 0;
        int differ = 0, beyondStep = 0, worst = -1;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            if (d > max) { max = d; worst = i; }
            if (d > EXACT) differ++;
            if (d > step * 1.001 + EXACT) beyondStep++;
        }
        System.out.printf("[diff] %-58s max abs diff %.3e (%.2f steps), %d of %d values differ%s%n", what, max, max / step,
                differ, actual.length, worst >= 0 && max > EXACT ? " (worst at " + worst + ": " + actual[worst] + " vs " + expected[worst] + ")" : "");
        if (beyondStep > 0) throw new AssertionError(what + ": " + beyondStep + " values more than one 8-bit step off, max diff " + max);
        if (differ > actual.length / 1000) throw new AssertionError(what + ": " + differ + " of " + actual.length + " values differ (> 0.1 %)");
    }

    /** Checks shape, sum, mean_abs and the first values of a golden {shape, sum, mean_abs, first} node. */
    static void assertStats(String what, float[] actual, long[] shape, JsonNode golden, double step) {
        long[] gShape = new long[golden.get("shape").size()];
        for (int i = 0; i < gShape.length; i++) gShape[i] = golden.get("shape").get(i).asLong();
        if (!Arrays.equals(shape, gShape)) throw new AssertionError(what + ": shape " + Arrays.toString(shape) + " vs golden " + Arrays.toString(gShape));
        int n = actual.length;
        double sum = 0, abs = 0;
        for (float v : actual) { sum += v; abs += Math.abs(v); }
        double meanAbs = abs / n;
        // At most 0.1 % of the values may be one step off.
        double budget = Math.max(n / 1000, 1) * step * 1.001 + 1e-9 * n;
        double dSum = Math.abs(sum - golden.get("sum").asDouble());
        double dMeanAbs = Math.abs(meanAbs - golden.get("mean_abs").asDouble());
        JsonNode first = golden.get("first");
        double dFirst = 0;
        for (int i = 0; i < first.size(); i++) dFirst = Math.max(dFirst, Math.abs(actual[i] - first.get(i).asDouble()));
        System.out.printf("[diff] %-58s shape ok, |sum diff| %.3e, |mean_abs diff| %.3e, first %d max diff %.3e%n",
                what, dSum, dMeanAbs, first.size(), dFirst);
        if (dSum > budget) throw new AssertionError(what + ": sum " + sum + " vs " + golden.get("sum").asDouble());
        if (dMeanAbs > budget / n) throw new AssertionError(what + ": mean_abs " + meanAbs + " vs " + golden.get("mean_abs").asDouble());
        if (dFirst > step * 1.001 + EXACT) throw new AssertionError(what + ": first values differ by " + dFirst);
    }

    static long[] shape(long... dims) { return dims; }

    /** Concatenates CHW images (frames, patches) into one array. */
    static float[] concat(PixelValues... parts) {
        int n = 0;
        for (PixelValues p : parts) n += p.data().length;
        float[] out = new float[n];
        int o = 0;
        for (PixelValues p : parts) {
            System.arraycopy(p.data(), 0, out, o, p.data().length);
            o += p.data().length;
        }
        return out;
    }
}
