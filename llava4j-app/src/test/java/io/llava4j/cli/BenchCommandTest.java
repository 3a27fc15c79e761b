package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench command runs on tiny fixtures and reports every field (figures are not checked: it is not a benchmark). */
class BenchCommandTest {
    static final String[] FIELDS = {"encode_ms", "prefill_tok_s", "decode_tok_s", "ttft_ms", "load_ms", "peak_rss_bytes", "bandwidth_gb_s",
            "decode_limit_tok_s", "decode_weight_bytes", "threads", "prompt_positions"};

    @Test
    void benchRunsAndReportsAllFields() throws Exception {
        int threads = io.llava4j.kernels.Parallel.threads();
        CliRunner.Result r;
        try {
            r = CliRunner.run(null, "bench", "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--runs", "1",
                    "--max-new-tokens", "4", "--threads", "1", "--bandwidth-mib", "64", "--json");
        } finally {
            io.llava4j.kernels.Parallel.setThreads(threads); // the other tests in this JVM keep their threads
        }
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        for (String k : FIELDS) {
            assertTrue(o.has(k), k);
            assertTrue(o.get(k).asDouble() > 0, k + " = " + o.get(k));
        }
        assertEquals(1, o.get("threads").asInt());
        assertEquals("f16", o.get("quant").asText());
        assertEquals("safetensors", o.get("format").asText());
        assertEquals("llava-1.5-tiny", o.get("shape").asText());
        assertEquals(o.get("decode_limit_tok_s").asDouble(), o.get("bandwidth_gb_s").asDouble() * 1e9 / o.get("decode_weight_bytes").asDouble(), 1e-6);
    }

    /** A video model takes the generated video (all its frames through the tower) and a table is printed without --json. */
    @Test
    void videoRequestOnPllavaPrintsTheTable() {
        CliRunner.Result r = CliRunner.run(null, "bench", "--model", Fixtures.dir("pllava-tiny").toString(), "--media", "video", "--runs", "1",
                "--warmup", "0", "--max-new-tokens", "2", "--bandwidth-mib", "64", "--quant", "q8_0");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("| decode |") && r.out().contains("video, 8 frames 640x480") && r.out().contains("q8_0"), r.out());
    }

    /** Text only (llama-bench's pp/tg): the prompt has the asked number of positions; the saved picture is the one bench uses. */
    @Test
    void textOnlyPromptAndSavedPicture(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        CliRunner.Result r = CliRunner.run(null, "bench", "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--media", "none", "--prompt-tokens", "64",
                "--runs", "1", "--warmup", "0", "--max-new-tokens", "2", "--bandwidth-mib", "64", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(64, Json.MAPPER.readTree(r.out()).get("prompt_positions").asInt());
        java.nio.file.Path png = tmp.resolve("picture.png");
        assertEquals(0, CliRunner.run(null, "bench", "--save-image", png.toString()).exitCode());
        assertEquals(io.llava4j.bench.SyntheticMedia.picture(), io.llava4j.media.ImageDecoder.decode(png));
    }

    /** --model FILE.gguf: the pair in the file's folder, labelled with the stored type; --quant is refused for GGUF. */
    @Test
    void ggufFileInAFolderWithItsConfig(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path src = Fixtures.dir("llava-1.5-tiny");
        try (var files = java.nio.file.Files.list(src)) {
            for (java.nio.file.Path p : files.toList()) {
                if (java.nio.file.Files.isRegularFile(p) && !p.toString().endsWith(".safetensors")) java.nio.file.Files.copy(p, tmp.resolve(p.getFileName()));
            }
        }
        java.nio.file.Path text = io.llava4j.format.gguf.LlavaGguf.exportFolder(src, DType.Q8_0, tmp).getFirst();
        CliRunner.Result r = CliRunner.run(null, "bench", "--model", text.toString(), "--runs", "1", "--warmup", "0", "--max-new-tokens", "2",
                "--bandwidth-mib", "64", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals("gguf", o.get("format").asText());
        assertEquals("q8_0", o.get("quant").asText());
        CliRunner.Result q = CliRunner.run(null, "bench", "--model", tmp.toString(), "--quant", "q4_0", "--runs", "1");
        assertEquals(2, q.exitCode());
        assertTrue(q.err().contains("--quant applies to safetensors"), q.err());
    }

    @Test
    void wrongArgumentsAreOneLineErrors() {
        CliRunner.Result none = CliRunner.run(null, "bench", "--runs", "1");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("--shape NAME or --model"), none.err());
        CliRunner.Result badShape = CliRunner.run(null, "bench", "--shape", "llava-9b");
        assertEquals(2, badShape.exitCode());
        assertTrue(badShape.err().contains("unknown shape 'llava-9b'"), badShape.err());
    }

    /** The decode bandwidth limit counts the weights as the decoder reads them: quantized ones at their block size. */
    @Test
    void decodeBytesFollowLoadTimeQuantization() {
        long stored = decodeBytes(null), q8 = decodeBytes(DType.Q8_0), q4 = decodeBytes(DType.Q4_0);
        System.out.printf("[bench] tiny decode bytes: stored %d, Q8_0 %d, Q4_0 %d%n", stored, q8, q4);
        assertTrue(q4 < q8 && q8 < stored, stored + " " + q8 + " " + q4);
    }

    private static long decodeBytes(DType q) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir("llava-1.5-tiny"), new LoadOptions(null, null, null, q))) {
            return m.languageModel().decodeWeightBytes();
        }
    }
}
