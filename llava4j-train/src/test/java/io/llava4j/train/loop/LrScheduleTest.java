package io.llava4j.train.loop;

import io.llava4j.train.Param;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LrScheduleTest {
    @Test
    void factorsAreTransformersFormulas() {
        long total = 10, warmup = LrSchedule.warmupSteps(total, 0.25, 0);
        assertEquals(3, warmup); // ceil(2.5)
        assertEquals(5, LrSchedule.warmupSteps(total, 0.25, 5));
        // warmup: step / warmup
        for (LrSchedule s : List.of(LrSchedule.COSINE, LrSchedule.LINEAR, LrSchedule.CONSTANT_WITH_WARMUP)) {
            assertEquals(0.0, s.factor(0, warmup, total));
            assertEquals(1.0 / 3, s.factor(1, warmup, total), 1e-15);
            assertEquals(1.0, s.factor(3, warmup, total), 1e-15);
        }
        // cosine after warmup: 0.5 * (1 + cos(pi * progress)), progress = (step - 3) / 7
        assertEquals(0.6112604669781572, LrSchedule.COSINE.factor(6, warmup, total), 1e-15); // cos(3pi/7) = 0.22252093395631445
        assertEquals(0.0, LrSchedule.COSINE.factor(10, warmup, total), 1e-15);
        // linear after warmup: (total - step) / (total - warmup)
        assertEquals(4.0 / 7, LrSchedule.LINEAR.factor(6, warmup, total), 1e-15);
        assertEquals(1.0, LrSchedule.CONSTANT.factor(0, warmup, total));
        assertEquals(LrSchedule.COSINE, LrSchedule.byKey("cosine"));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.byKey("polynomial"));
    }

    @Test
    void clipGradNormIsTorchsRule() {
        Param a = new Param("a", new int[]{2}, new float[2], true, "default");
        Param b = new Param("b", new int[]{1}, new float[1], true, "default");
        a.grad[0] = 3;
        a.grad[1] = 4;
        b.grad[0] = 12;
        double norm = GradClip.clipByGlobalNorm(List.of(a, b), 1.0);
        assertEquals(13.0, norm, 1e-6);
        float coef = 1f / (13f + 1e-6f);
        assertEquals(3 * coef, a.grad[0]);
        assertEquals(12 * coef, b.grad[0]);
        System.out.printf("[diff] clipped global norm vs 1: %.2e%n", Math.abs(Math.sqrt(a.grad[0] * a.grad[0] + a.grad[1] * a.grad[1] + b.grad[0] * b.grad[0]) - 1));
        // below the limit: unchanged; max_norm 0: no clipping
        assertEquals(1.0, GradClip.clipByGlobalNorm(List.of(a, b), 5.0), 1e-6);
        assertEquals(3 * coef, a.grad[0]);
        b.grad[0] = 100;
        GradClip.clipByGlobalNorm(List.of(b), 0);
        assertEquals(100f, b.grad[0]);
    }
}
