package io.llava4j.llm;

import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous batching's hook: one decode step over sequences with their own caches and lengths must give the logits
 * of decoding each sequence alone, for batches below and above the size where prefill switches kernels (4). Both
 * paths run the same kernels row by row, so rows are bitwise equal whenever the same compiled code runs them; the
 * Vector API's lane reductions and exp may round differently in the interpreter than in C2 code (a deoptimised
 * method briefly runs interpreted), so the assertion allows an ulp-sized difference and equal argmax, and the
 * [diff] line reports how many rows were bitwise equal.
 */
class DecodeBatchTest {

    @ParameterizedTest
    @ValueSource(strings = {"llava-1.5-tiny", "llava-onevision-qwen2-tiny"})
    void batchedStepEqualsSingleSteps(String fixture) {
        Path dir = Fixtures.dir(fixture);
        try (VisionLanguageModel model = ModelRegistry.load(dir, LoadOptions.defaults())) {
            DecoderLm lm = model.languageModel();
            int h = lm.config().hiddenSize(), vocab = lm.config().vocabSize();
            List<MultimodalPrompt> prompts = new ArrayList<>();
            if (fixture.equals("llava-1.5-tiny")) {
                RgbImage landscape = ImageDecoder.decode(dir.resolve("golden/img_landscape_200x150.png"));
                RgbImage portrait = ImageDecoder.decode(dir.resolve("golden/img_portrait_120x240.png"));
                prompts.add(model.prepare("USER: <image>\nWhat is shown in this image? ASSISTANT:", List.of(landscape), List.of()));
                prompts.add(model.prepare("USER: <image>\n<image>\nCompare. ASSISTANT:", List.of(portrait, landscape), List.of()));
            }
            for (String t : List.of("Hello there, how are you today?", "Hi", "Count from one to ten, slowly please.", "Why?", "Tell me a story."))
                prompts.add(model.prepare(t, List.of(), List.of()));
            int b = prompts.size();
            KvCache[] single = new KvCache[b], batched = new KvCache[b];
            int[] next = new int[b];
            for (int i = 0; i < b; i++) {
                MultimodalPrompt p = prompts.get(i);
                single[i] = lm.newCache(p.length() + 8);
                batched[i] = lm.newCache(1); // grows on demand
                float[] l1 = lm.forward(p.embeddings(lm), p.length(), single[i], false);
                lm.forward(p.embeddings(lm), p.length(), batched[i], false);
                next[i] = argmax(l1);
            }
            assertTrue(single[0].length() != single[1].length(), "sequences at different positions");
            float maxDiff = 0;
            int rows = 0, bitwise = 0;
            // a full batch (>= 4 rows, where prefill would tile), then shrinking batches as sequences finish
            for (int step = 0; step < 6; step++) {
                int live = Math.max(1, b - step);
                float[] x = new float[live * h];
                KvCache[] caches = Arrays.copyOf(batched, live);
                float[][] expected = new float[live][];
                for (int i = 0; i < live; i++) {
                    float[] xi = new float[h];
                    lm.embed(next[i], xi, 0);
                    expected[i] = lm.forward(xi, 1, single[i], false);
                    lm.embed(next[i], x, i);
                }
                float[] got = lm.decodeBatch(x, caches);
                assertEquals(live * vocab, got.length);
                for (int i = 0; i < live; i++) {
                    float[] row = Arrays.copyOfRange(got, i * vocab, (i + 1) * vocab);
                    float rowDiff = 0;
                    for (int j = 0; j < vocab; j++) rowDiff = Math.max(rowDiff, Math.abs(row[j] - expected[i][j]) / Math.max(1f, Math.abs(expected[i][j])));
                    maxDiff = Math.max(maxDiff, rowDiff);
                    rows++;
                    if (Arrays.equals(expected[i], row)) bitwise++;
                    assertTrue(rowDiff <= 1e-5f, fixture + " step " + step + " sequence " + i + ": relative diff " + rowDiff);
                    assertEquals(argmax(expected[i]), argmax(row), fixture + " step " + step + " sequence " + i + " picks the same token");
                    assertEquals(single[i].length(), batched[i].length());
                    next[i] = argmax(row);
                }
            }
            System.out.println("[diff] " + fixture + " decodeBatch vs single steps, " + b + " sequences: max relative diff " + maxDiff
                    + ", " + bitwise + " of " + rows + " rows bitwise equal");
            assertTrue(bitwise > 0, "rows are computed by the same kernels as single steps");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llava-1.5-tiny"})
    void sameCacheTwiceIsRefused(String fixture) {
        try (VisionLanguageModel model = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            DecoderLm lm = model.languageModel();
            KvCache c = lm.newCache(4);
            float[] x = new float[2 * lm.config().hiddenSize()];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.decodeBatch(x, new KvCache[] {c, c}));
            assertTrue(e.getMessage().contains("same cache twice"), e.getMessage());
        }
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
        return best;
    }
}
