package io.llava4j.bench;

import io.llava4j.format.SafetensorsFile;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.engine.Generator;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomLlavaCheckpointTest {

    /** The tiny fixture's dimensions: the generator must then write exactly the names and shapes transformers wrote. */
    static final RandomLlavaCheckpoint.Shape TINY = new RandomLlavaCheckpoint.Shape(32, 2, 4, 4, 64, 32064, 48, 3, 4, 96, 56, 14);
    /** The OneVision fixture's dimensions (its vocabulary is Qwen2's default 151936). */
    static final RandomLlavaCheckpoint.Shape TINY_OV = new RandomLlavaCheckpoint.Shape(16, 2, 4, 2, 48, 151936, 32, 3, 4, 64, 56, 14);

    @Test
    void namesAndShapesAreThoseTransformersSaves() {
        assertSameTensorsAsFixture("llava-1.5-tiny", RandomLlavaCheckpoint.tensorShapes(TINY));
        assertSameTensorsAsFixture("pllava-tiny", RandomLlavaCheckpoint.tensorShapes(RandomLlavaCheckpoint.Family.PLLAVA, TINY));
        assertSameTensorsAsFixture("llava-onevision-qwen2-tiny", RandomLlavaCheckpoint.tensorShapes(RandomLlavaCheckpoint.Family.ONEVISION, TINY_OV));
    }

    private static void assertSameTensorsAsFixture(String fixture, Map<String, long[]> shapes) {
        Map<String, String> expected = new TreeMap<>(), got = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.dir(fixture).resolve("model.safetensors"))) {
            for (String n : f.names()) expected.put(n, Arrays.toString(f.get(n).shape()));
        }
        shapes.forEach((n, s) -> got.put(n, Arrays.toString(s)));
        assertEquals(expected, got, fixture);
    }

    /** The named real shapes: the figures of the published configs (7B: 6.7B LM parameters + 0.3B CLIP-L, 0.5B OneVision: 0.9B in all). */
    @Test
    void namedShapesHaveTheRealSizes() {
        assertEquals(14.13, RandomLlavaCheckpoint.Named.of("llava-1.5-7b").f16Bytes() / 1e9, 0.01);
        assertEquals(RandomLlavaCheckpoint.Named.of("llava-1.5-7b").f16Bytes(), RandomLlavaCheckpoint.Named.of("pllava-7b").f16Bytes());
        assertEquals(26.7, RandomLlavaCheckpoint.Named.of("llava-1.5-13b").f16Bytes() / 1e9, 0.1);
        assertEquals(1.79, RandomLlavaCheckpoint.Named.of("llava-onevision-0.5b").f16Bytes() / 1e9, 0.01);
        assertThrows(IllegalArgumentException.class, () -> RandomLlavaCheckpoint.Named.of("llava-2-70b"));
    }

    /** A random OneVision and PLLaVA model of the fixtures' sizes load through the registry and give finite logits. */
    @Test
    void oneVisionAndPllavaModelsLoadAndRun(@TempDir Path tmp) throws Exception {
        Path ov = tmp.resolve("ov");
        RandomLlavaCheckpoint.write(ov, RandomLlavaCheckpoint.Family.ONEVISION, TINY_OV, Fixtures.dir("llava-onevision-qwen2-tiny"), 3, null);
        try (VisionLanguageModel m = ModelRegistry.load(ov, LoadOptions.defaults())) {
            assertEquals("llava_onevision", m.family());
            MultimodalPrompt p = m.prepare("<|im_start|>user <image>\nHi<|im_end|><|im_start|>assistant\n", List.of(RgbImage.filled(80, 60, 10, 200, 30)), List.of());
            assertFinite(Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits(), 151936);
        }
        Path pl = tmp.resolve("pllava");
        RandomLlavaCheckpoint.write(pl, RandomLlavaCheckpoint.Family.PLLAVA, TINY, Fixtures.dir("pllava-tiny"), 3, null);
        try (VisionLanguageModel m = ModelRegistry.load(pl, LoadOptions.defaults())) {
            List<RgbImage> frames = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) frames.add(RgbImage.filled(64, 48, 10 * i, 100, 30));
            MultimodalPrompt p = m.prepare("USER: <image>\nHi ASSISTANT:", List.of(), List.of(frames));
            // 16 frames of 4x4 patches pooled to 16 x 2 x 2 rows
            assertTrue(p.length() > 64, "prompt positions " + p.length());
            assertFinite(Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits(), 32064);
        }
        try (var left = Files.list(tmp)) {
            assertEquals(List.of("ov", "pllava"), left.map(x -> x.getFileName().toString()).sorted().toList(), "no temporary folder left");
        }
    }

    private static void assertFinite(float[] logits, int vocab) {
        assertEquals(vocab, logits.length);
        for (float x : logits) assertTrue(Float.isFinite(x));
    }

    @Test
    void theWrittenModelLoadsAndRunsWithFiniteLogits(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("random-tiny");
        long[] last = {0};
        RandomLlavaCheckpoint.write(out, TINY, Fixtures.dir("llava-1.5-tiny"), 7, b -> last[0] = b);
        long weights = Files.size(out.resolve("model.safetensors"));
        assertTrue(last[0] > 0 && last[0] < weights, "progress reports weight bytes: " + last[0] + " of " + weights);
        try (VisionLanguageModel m = ModelRegistry.load(out, LoadOptions.defaults())) {
            MultimodalPrompt p = m.prepare("USER: <image>\nHi ASSISTANT:", List.of(RgbImage.filled(80, 60, 10, 200, 30)), List.of());
            float[] logits = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
            assertEquals(32064, logits.length);
            for (float x : logits) assertTrue(Float.isFinite(x));
        }
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            float[] norm = f.get("language_model.model.norm.weight").toFloatArray();
            float[] ones = new float[32];
            Arrays.fill(ones, 1f);
            assertArrayEquals(ones, norm);
        }
        assertThrows(java.io.IOException.class, () -> RandomLlavaCheckpoint.write(out, TINY, Fixtures.dir("llava-1.5-tiny"), 7, null),
                "never overwrites a model");
    }
}
