package io.llava4j.bench;

import io.llava4j.format.gguf.GgufFile;
import io.llava4j.media.RgbImage;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark model cache on tiny shapes: written once, reused, exported to GGUF where the family allows it. */
class BenchModelsTest {
    static final RandomLlavaCheckpoint.Named TINY = new RandomLlavaCheckpoint.Named("tiny-llava", RandomLlavaCheckpoint.Family.LLAVA_15,
            RandomLlavaCheckpointTest.TINY);

    @Test
    void writtenOnceThenReusedAndExportedAsGguf(@TempDir Path root) throws Exception {
        Path templates = Fixtures.shared().resolve("fixtures");
        List<String> log = new ArrayList<>();
        Path f16 = BenchModels.ensure(root, TINY, DType.F16, BenchModels.Format.SAFETENSORS, templates, log::add);
        assertEquals(root.resolve("tiny-llava-f16"), f16);
        assertTrue(Files.isRegularFile(f16.resolve("model.safetensors")));
        long written = Files.getLastModifiedTime(f16.resolve("model.safetensors")).toMillis();
        int lines = log.size();
        assertTrue(lines >= 2, "announces the write and its end: " + log);

        assertEquals(f16, BenchModels.ensure(root, TINY, DType.Q4_0, BenchModels.Format.SAFETENSORS, templates, log::add),
                "quantized safetensors runs reuse the F16 folder");
        assertEquals(lines, log.size(), "nothing written the second time: " + log);
        assertEquals(written, Files.getLastModifiedTime(f16.resolve("model.safetensors")).toMillis());

        Path gguf = BenchModels.ensure(root, TINY, DType.Q8_0, BenchModels.Format.GGUF, templates, log::add);
        assertEquals(root.resolve("tiny-llava-q8_0-gguf"), gguf);
        try (GgufFile text = GgufFile.open(gguf.resolve("tiny-llava-q8_0.gguf")); GgufFile mm = GgufFile.open(gguf.resolve("mmproj-tiny-llava-f16.gguf"))) {
            assertEquals(DType.Q8_0, text.get("blk.0.ffn_up.weight").dtype());
            assertEquals("clip", mm.architecture());
        }
        assertTrue(Files.isRegularFile(gguf.resolve("config.json")) && Files.isRegularFile(gguf.resolve("tokenizer_config.json")));
        try (VisionLanguageModel m = ModelRegistry.load(gguf, LoadOptions.defaults())) {
            var p = m.prepare("USER: <image>\nHi ASSISTANT:", List.of(RgbImage.filled(40, 30, 1, 2, 3)), List.of());
            float[] logits = m.languageModel().forward(p.embeddings(m.languageModel()), p.length(), m.languageModel().newCache(p.length()), false);
            for (float x : logits) assertTrue(Float.isFinite(x));
        }
        try (var left = Files.list(root)) {
            assertEquals(List.of("tiny-llava-f16", "tiny-llava-q8_0-gguf"), left.map(x -> x.getFileName().toString()).sorted().toList(),
                    "no temporary folder left behind");
        }

        // PLLaVA of the same dimensions has the same tensors: its folder links the weights instead of writing them again
        var pllava = new RandomLlavaCheckpoint.Named("tiny-pllava", RandomLlavaCheckpoint.Family.PLLAVA, RandomLlavaCheckpointTest.TINY);
        Path pl = BenchModels.ensure(root, pllava, DType.F16, BenchModels.Format.SAFETENSORS, templates, log::add);
        assertTrue(Files.isSameFile(f16.resolve("model.safetensors"), pl.resolve("model.safetensors")), "weights shared: " + log);
        assertTrue(Files.readString(pl.resolve("config.json")).contains("pooling_shape"));
        try (VisionLanguageModel m = ModelRegistry.load(pl, LoadOptions.defaults())) {
            assertEquals("pllava", m.family());
        }
    }

    @Test
    void familiesWithoutGgufExportAreRefusedByName(@TempDir Path root) {
        var e = assertThrows(IllegalArgumentException.class, () -> BenchModels.ensure(root, "llava-onevision-0.5b", DType.Q4_0,
                BenchModels.Format.GGUF, root, null));
        assertTrue(e.getMessage().contains("llava-onevision-0.5b"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BenchModels.parseQuant("q5_1"));
        assertEquals(DType.Q4_K, BenchModels.parseQuant("Q4_K"));
    }
}
