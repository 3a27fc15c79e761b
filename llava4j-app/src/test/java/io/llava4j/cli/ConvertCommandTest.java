package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.DType;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** convert rewrites the weights in F16/BF16 (torch's rounding), copies the rest, and the result still answers. */
class ConvertCommandTest {
    @TempDir Path tmp;

    @Test
    void f32AndBackToF16GivesTheSameWeightsAndAnswer() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny"), wide = tmp.resolve("tiny-f32"), back = tmp.resolve("tiny-f16");
        CliRunner.Result c = CliRunner.run(null, "convert", "--model", src.toString(), "--out", wide.toString(), "--dtype", "f32");
        assertEquals(0, c.exitCode(), c.err());
        c = CliRunner.run(null, "convert", "--model", wide.toString(), "--out", back.toString(), "--dtype", "f16");
        assertEquals(0, c.exitCode(), c.err());
        assertTrue(c.err().contains("to F16"), c.err());
        assertTrue(Files.isRegularFile(back.resolve("tokenizer.model")) && Files.isRegularFile(back.resolve("config.json")), "side files copied");
        assertFalse(Files.exists(wide.resolve("golden")), "sub-folders are not model files");
        long f16 = Files.size(src.resolve("model.safetensors")), f32 = Files.size(wide.resolve("model.safetensors"));
        assertTrue(f32 > 1.9 * f16 && Files.size(back.resolve("model.safetensors")) < 0.55 * f32, f16 + " -> " + f32);
        try (WeightMap a = Checkpoints.open(src); WeightMap w = Checkpoints.open(wide); WeightMap b = Checkpoints.open(back)) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                assertEquals(DType.F32, w.get(n).dtype(), n);
                assertEquals(DType.F16, b.get(n).dtype(), n);
                assertArrayEquals(a.get(n).toFloatArray(), w.get(n).toFloatArray(), 0f, n + ": widening is exact");
                assertArrayEquals(a.get(n).toFloatArray(), b.get(n).toFloatArray(), 0f, n + ": F16 -> F32 -> F16 is the identity");
            }
        }
        JsonNode g = Fixtures.golden("llava-1.5-tiny");
        for (Path m : new Path[] {wide, back}) {
            CliRunner.Result r = CliRunner.run(null, "chat", "--model", m.toString(), "--image", src.resolve("golden/img_landscape_200x150.png").toString(),
                    "--temperature", "0", "--max-new-tokens", "12", "What is shown in this image?");
            assertEquals(0, r.exitCode(), r.err());
            assertEquals(g.get("forward").get("greedy_text_skip_special").asText().strip(), r.out().strip(), "greedy answer of " + m.getFileName());
        }
    }

    @Test
    void f16RoundsAsTorch() {
        // 1 + 2^-11 is a tie between 1 and 1 + 2^-10: to even (1); 1 + 3 * 2^-11 is a tie that goes up to 1 + 2^-9;
        // 65520 overflows to infinity; 1e-8 is under half the smallest subnormal
        float[] v = {1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 65520f, 1e-8f};
        float[] r = ConvertCommand.as(io.llava4j.tensor.Tensor.ofFloats("t", v, 4), DType.F16).toFloatArray();
        assertArrayEquals(new float[] {1f, 1 + 0x1p-9f, Float.POSITIVE_INFINITY, 0f}, r, 0f);
    }

    @Test
    void bf16RoundsToNearestEvenAsTorch() {
        // torch.tensor([1.00390625, 1.01171875, -3.0e38, 1e-40], dtype=torch.float32).to(torch.bfloat16): ties to even
        assertEquals((short) 0x3F80, ConvertCommand.bf16(1.00390625f)); // 0x3F808000: tie, even stays 0x3F80
        assertEquals((short) 0x3F82, ConvertCommand.bf16(1.01171875f)); // 0x3F818000: tie, odd rounds up
        assertEquals((short) 0x3F81, ConvertCommand.bf16(Float.intBitsToFloat(0x3F808001))); // above the tie
        assertTrue(Float.isNaN(Float.intBitsToFloat(ConvertCommand.bf16(Float.NaN) << 16)));
    }

    @Test
    void refusesAnExistingOutputAndLeavesNothingOnBadInput() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        Files.createDirectories(tmp.resolve("exists"));
        CliRunner.Result r = CliRunner.run(null, "convert", "--model", src.toString(), "--out", tmp.resolve("exists").toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("already exists"), r.err());
        r = CliRunner.run(null, "convert", "--model", src.toString(), "--out", tmp.resolve("x").toString(), "--dtype", "int3");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("--dtype"), r.err());
        try (var s = Files.list(tmp)) { assertEquals(1, s.count(), "only the folder made by the test"); }
    }
}
