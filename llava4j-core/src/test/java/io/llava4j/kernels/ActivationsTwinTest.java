package io.llava4j.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float/vector activations against their double-precision twins (the previous implementations). */
class ActivationsTwinTest {
    static float[] inputs() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[10_000 + 13];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * (i % 3 == 0 ? 8 : 1.5));
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 1e-8f, 30f, -30f, 60f, -60f, 3.7f, -0.75f, 5.9f, -5.9f};
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    static void check(String what, BiConsumer<float[], Integer> fast, BiConsumer<float[], Integer> twin, double rel) {
        float[] x = inputs();
        for (int n : new int[] {x.length, 7, 37}) {
            float[] a = x.clone(), b = x.clone();
            fast.accept(a, n);
            twin.accept(b, n);
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                double err = Math.abs(a[i] - b[i]), allowed = rel * Math.abs(b[i]) + 1e-9; // tails (e.g. GELU(-6) ~ 1e-8) are absolute
                if (Math.abs(b[i]) > 1e-3) worst = Math.max(worst, err / Math.abs(b[i]));
                assertTrue(err <= allowed, what + "(" + x[i] + ") = " + a[i] + ", twin " + b[i] + " (n=" + n + ")");
            }
            if (n == x.length) System.out.printf("[diff] %s vs double twin: max relative error %.2e where |f| > 1e-3%n", what, worst);
        }
    }

    @Test
    void activationsMatchTheirTwins() {
        check("geluErf", Activations::geluErf, ScalarOps::geluErf, 1e-6);
        check("geluTanh", Activations::geluTanh, ScalarOps::geluTanh, 1e-6);
        check("quickGelu", Activations::quickGelu, ScalarOps::quickGelu, 1e-6);
        check("silu", Activations::silu, ScalarOps::silu, 1e-6);
        float[] u = inputs();
        check("siluMul", (a, n) -> Activations.siluMul(a, u, n), (a, n) -> { ScalarOps.silu(a, n); for (int i = 0; i < n; i++) a[i] *= u[i]; }, 1e-6);
    }
}
