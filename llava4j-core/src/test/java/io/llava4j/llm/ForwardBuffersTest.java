package io.llava4j.llm;

import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decode steps reuse the work arrays kept with the sequence's cache (nothing per layer or per step is allocated but
 * the logits), prefill-sized calls do not leave their large arrays on the cache, and reusing the arrays (longer than a
 * 1-row step needs once a 3-row call made them) changes no result: logits equal those of a fresh set within 1e-5.
 */
class ForwardBuffersTest {

    @Test
    void decodeStepsReuseTheCachesBuffersAndGiveTheSameLogits() throws Exception {
        try (VisionLanguageModel model = ModelRegistry.load(Fixtures.dir("llava-1.5-tiny"), LoadOptions.defaults())) {
            DecoderLm lm = model.languageModel();
            int h = lm.config().hiddenSize();
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + (i * 37) % 500;

            KvCache reused = lm.newCache(64);
            lm.forward(embed(lm, prompt, 0, prompt.length), prompt.length, reused, false);
            assertNull(reused.buffers, "a 40-row prefill leaves no buffers on the cache");
            lm.forward(embed(lm, new int[] {7, 8, 9}, 0, 3), 3, reused, false);
            ForwardBuffers kept = reused.buffers;
            assertNotNull(kept, "a 3-row call keeps its buffers");

            KvCache fresh = lm.newCache(64);
            lm.forward(embed(lm, prompt, 0, prompt.length), prompt.length, fresh, false);
            lm.forward(embed(lm, new int[] {7, 8, 9}, 0, 3), 3, fresh, false);
            fresh.buffers = null;
            double worst = 0;
            for (int step = 0; step < 5; step++) {
                int id = 100 + step;
                float[] a = lm.forward(embed(lm, new int[] {id}, 0, 1), 1, reused, false);
                assertSame(kept, reused.buffers, "step " + step + " reuses the kept buffers");
                fresh.buffers = null; // a new set every step: the reference
                float[] b = lm.forward(embed(lm, new int[] {id}, 0, 1), 1, fresh, false);
                // within 1e-5, not bitwise: the JIT may compile a reduction between the two calls and round it differently
                double d = io.llava4j.testing.Diff.maxAbs(a, toDouble(b));
                worst = Math.max(worst, d);
                assertTrue(d <= 1e-5, "step " + step + " logits with reused buffers differ by " + d);
            }
            System.out.printf("[diff] 5 decode steps on kept buffers (%d rows, hidden %d) vs fresh ones: max abs diff %.2e%n", kept.rows, h, worst);
        }
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static float[] embed(DecoderLm lm, int[] ids, int from, int n) {
        float[] x = new float[n * lm.config().hiddenSize()];
        for (int i = 0; i < n; i++) lm.embed(ids[from + i], x, i);
        return x;
    }
}
