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

    @Test
    void namesAndShapesAreThoseTransformersSaves() {
        Map<String, String> expected = new TreeMap<>(), got = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.dir("llava-1.5-tiny").resolve("model.safetensors"))) {
            for (String n : f.names()) expected.put(n, Arrays.toString(f.get(n).shape()));
        }
        RandomLlavaCheckpoint.tensorShapes(TINY).forEach((n, s) -> got.put(n, Arrays.toString(s)));
        assertEquals(expected, got);
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
