package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** quantize writes a GGUF pair that chat runs with nothing else beside it; a failed quantize leaves nothing behind. */
class QuantizeCommandTest {
    @TempDir Path tmp;

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void f16PairAloneAnswersLikeTheHfFolder() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        JsonNode g = Fixtures.golden("llava-1.5-tiny");
        Path out = tmp.resolve("gguf");
        CliRunner.Result q = CliRunner.run(null, "quantize", "--model", src.toString(), "--out", out.toString(), "--type", "f16");
        assertEquals(0, q.exitCode(), q.err());
        assertEquals(List.of("llava-1.5-tiny-f16.gguf", "mmproj-llava-1.5-tiny-f16.gguf"), names(out), "only the two files, no staging folder");
        assertTrue(q.out().contains("F16") && q.out().contains("F32"), q.out());
        assertTrue(q.err().contains("tensors"), "progress on stderr: " + q.err());
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", out.toString(),
                "--image", src.resolve("golden/img_landscape_200x150.png").toString(),
                "--temperature", "0", "--max-new-tokens", "12", "What is shown in this image?");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(g.get("forward").get("greedy_text_skip_special").asText().strip(), r.out().strip(), "greedy answer from the GGUF pair alone");
    }

    @Test
    void q4kPairRunsGivenAsTwoFiles() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        Path out = tmp.resolve("q4k");
        CliRunner.Result q = CliRunner.run(null, "quantize", "--model", src.toString(), "--out", out.toString(), "--type", "q4_k");
        assertEquals(0, q.exitCode(), q.err());
        // the tiny model's rows (32, 64) are not whole 256-blocks: its Q4_K file falls back to Q8_0, and says so
        assertTrue(q.out().contains("Q8_0"), q.out());
        Path text = out.resolve("llava-1.5-tiny-q4_k.gguf"), mm = out.resolve("mmproj-llava-1.5-tiny-f16.gguf");
        assertTrue(Files.isRegularFile(text) && Files.isRegularFile(mm), names(out).toString());
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", text.toString(), "--mmproj", mm.toString(),
                "--image", src.resolve("golden/img_tiny_30x30.png").toString(), "--temperature", "0", "--max-new-tokens", "4", "Describe");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().isBlank());
    }

    /** llama.cpp's Q4_K_M recipe: on the tiny model (rows of 32 and 64) its fallbacks, Q5_0 and Q8_0; chat runs the pair. */
    @Test
    void q4kmPairTakesLlamaCppsFallbacksAndRuns() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        Path out = tmp.resolve("q4km");
        CliRunner.Result q = CliRunner.run(null, "quantize", "--model", src.toString(), "--out", out.toString(), "--type", "q4_k_m");
        assertEquals(0, q.exitCode(), q.err());
        assertTrue(q.out().contains("Q5_0") && q.out().contains("Q8_0"), q.out());
        Path text = out.resolve("llava-1.5-tiny-q4_k_m.gguf"), mm = out.resolve("mmproj-llava-1.5-tiny-f16.gguf");
        assertTrue(Files.isRegularFile(text) && Files.isRegularFile(mm), names(out).toString());
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", text.toString(), "--mmproj", mm.toString(),
                "--image", src.resolve("golden/img_tiny_30x30.png").toString(), "--temperature", "0", "--max-new-tokens", "4", "Describe");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().isBlank());
    }

    @Test
    void failedQuantizeLeavesNothingBehind() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) if (Files.isRegularFile(p)) Files.copy(p, broken.resolve(p.getFileName()));
        }
        byte[] st = Files.readAllBytes(broken.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(st, st.length / 2)); // truncated weights
        Path fresh = tmp.resolve("fresh");
        CliRunner.Result r = CliRunner.run(null, "quantize", "--model", broken.toString(), "--out", fresh.toString(), "--type", "q8_0");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().startsWith("llava4j: "), r.err());
        assertFalse(Files.exists(fresh), "the --out folder it created is gone");
        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(existing.resolve("keep.txt"), "x");
        r = CliRunner.run(null, "quantize", "--model", broken.toString(), "--out", existing.toString(), "--type", "q4_0");
        assertEquals(2, r.exitCode());
        assertEquals(List.of("keep.txt"), names(existing), "no half-written file or staging folder");
        r = CliRunner.run(null, "quantize", "--model", src.toString(), "--out", existing.toString(), "--type", "q2_k");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("q2_k") && r.err().contains("q8_0, q6_k, q5_k, q5_1, q5_0, q4_k, q4_0, q5_k_m, q4_k_m or f16"), r.err());
        assertEquals(List.of("keep.txt"), names(existing));
    }

    @Test
    void loadQ4kQuantizesAtLoadTime() {
        Path src = Fixtures.dir("llava-1.5-tiny");
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", src.toString(), "--load-q4k",
                "--image", src.resolve("golden/img_tiny_30x30.png").toString(), "--temperature", "0", "--max-new-tokens", "3", "Hi");
        assertEquals(0, r.exitCode(), r.err());
        r = CliRunner.run(null, "chat", "--model", src.toString(), "--load-q4k", "--load-8bit", "Hi");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("exclude each other"), r.err());
    }
}
