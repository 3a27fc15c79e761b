package io.llava4j.format.gguf;

import io.llava4j.engine.Generator;
import io.llava4j.engine.TopK;
import io.llava4j.format.CheckpointException;
import io.llava4j.format.Npy;
import io.llava4j.format.WeightMap;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GGUF reader/writer, llama.cpp names and the Q/K permutation, and the tiny LLaVA written as a GGUF pair and read back. */
class GgufTest {
    @TempDir Path tmp;

    @Test
    void metadataOfEveryTypeAndTensorsRoundTrip() throws Exception {
        GgufWriter w = new GgufWriter();
        w.put("u8", GgufValue.of(GgufValueType.UINT8, (byte) 200)).put("i8", GgufValue.of(GgufValueType.INT8, (byte) -3))
                .put("u16", GgufValue.of(GgufValueType.UINT16, (short) 60000)).put("i16", GgufValue.of(GgufValueType.INT16, (short) -7))
                .putU32("u32", 4_000_000_000L).put("i32", GgufValue.of(GgufValueType.INT32, -9))
                .put("u64", GgufValue.of(GgufValueType.UINT64, 1L << 40)).put("i64", GgufValue.of(GgufValueType.INT64, -5L))
                .putF32("f32", 0.25f).put("f64", GgufValue.of(GgufValueType.FLOAT64, Math.PI)).putBool("b", true)
                .putString("s", "héllo ▁ 世界")
                .put("as", GgufValue.array(GgufValueType.STRING, List.of("a", "", "<s>")))
                .put("af", GgufValue.array(GgufValueType.FLOAT32, List.of(1f, -2.5f)))
                .put("ai", GgufValue.array(GgufValueType.INT32, List.of(1, 2, 3)));
        float[] v = new float[3 * 64];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i);
        Tensor f32 = Tensor.ofFloats("x", new float[] {1, 2, 3}, 3);
        Tensor q8 = new Tensor("q", DType.Q8_0, new long[] {3, 64}, Quant.quantize(DType.Q8_0, v));
        Tensor four = Tensor.ofFloats("c", new float[2 * 3 * 4 * 5], 2, 3, 4, 5);
        w.tensor("a.weight", f32).tensor("b.weight", q8).tensor("conv", four);
        Path f = tmp.resolve("t.gguf");
        w.write(f);
        try (GgufFile g = GgufFile.open(f)) {
            assertEquals(3, g.version());
            Map<String, GgufValue> m = g.metadata();
            assertEquals(200, m.get("u8").asLong());
            assertEquals(-3, m.get("i8").asLong());
            assertEquals(60000, m.get("u16").asLong());
            assertEquals(-7, m.get("i16").asLong());
            assertEquals(4_000_000_000L, m.get("u32").asLong());
            assertEquals(-9, m.get("i32").asLong());
            assertEquals(1L << 40, m.get("u64").asLong());
            assertEquals(-5, m.get("i64").asLong());
            assertEquals(0.25, m.get("f32").asDouble());
            assertEquals(Math.PI, m.get("f64").asDouble());
            assertEquals(true, m.get("b").value());
            assertEquals("héllo ▁ 世界", m.get("s").asString());
            assertEquals(List.of("a", "", "<s>"), m.get("as").asList());
            assertEquals(List.of(1f, -2.5f), m.get("af").asList());
            assertEquals(List.of(1, 2, 3), m.get("ai").asList());
            assertEquals(List.of("a.weight", "b.weight", "conv"), List.copyOf(g.names()));
            assertArrayEquals(new float[] {1, 2, 3}, g.get("a.weight").toFloatArray());
            Tensor back = g.get("b.weight");
            assertEquals(DType.Q8_0, back.dtype());
            assertArrayEquals(new long[] {3, 64}, back.shape());
            assertArrayEquals(q8.data().toArray(ValueLayout.JAVA_BYTE), back.data().toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new long[] {2, 3, 4, 5}, g.get("conv").shape());
            for (GgufFile.TensorInfo ti : g.tensorInfos().values()) assertEquals(0, (g.dataStart() + ti.offset()) % 32, ti.name() + " aligned");
        }
    }

    @Test
    void corruptAndUnsupportedFilesFailWithTheReason() throws Exception {
        Path f = tmp.resolve("t.gguf");
        new GgufWriter().putString("general.architecture", "llama").tensor("w", Tensor.ofFloats("w", new float[64], 2, 32)).write(f);
        byte[] all = Files.readAllBytes(f);
        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 10));
        CheckpointException e = assertThrows(CheckpointException.class, () -> GgufFile.open(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path bad = tmp.resolve("bad.gguf");
        Files.write(bad, "not a gguf file at all, really".getBytes());
        assertTrue(assertThrows(CheckpointException.class, () -> GgufFile.open(bad)).getMessage().contains("magic"));
        // a tensor type without kernels here (Q2_K = 10): listed, and named when accessed
        byte[] q2 = all.clone();
        int at = indexOf(q2, "w".getBytes()) + 1 + 4 + 16; // name, n_dims, ne[2] -> type
        q2[at] = 10;
        Path u = tmp.resolve("q2.gguf");
        Files.write(u, q2);
        try (GgufFile g = GgufFile.open(u)) {
            assertTrue(g.names().contains("w"));
            assertTrue(assertThrows(CheckpointException.class, () -> g.get("w")).getMessage().contains("Q2_K"));
        }
    }

    static int indexOf(byte[] a, byte[] b) {
        for (int i = 24; i < a.length - b.length; i++) if (a[i - 8] == 1 && a[i] == b[0] && a[i - 7] == 0) return i;
        throw new AssertionError();
    }

    @Test
    void qkPermutationMatchesConvertHfToGgufAndInverts() {
        // convert_hf_to_gguf: w.reshape(n_head, 2, d/2, in).swapaxes(1, 2).reshape(w.shape): 2 heads of 4 rows
        float[] w = new float[8 * 2];
        for (int i = 0; i < w.length; i++) w[i] = i / 2;   // row r holds r, r
        Tensor t = Tensor.ofFloats("q", w, 8, 2);
        try (Arena a = Arena.ofConfined()) {
            Tensor g = LlavaGguf.permuteRows(t, 2, false, a);
            float[] rows = new float[8];
            for (int r = 0; r < 8; r++) rows[r] = g.getFloat(2L * r);
            assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, rows);
            assertArrayEquals(w, LlavaGguf.permuteRows(g, 2, true, a).toFloatArray());
        }
    }

    @Test
    void llamaCppNamesMapBothWays() {
        assertEquals("model.layers.3.self_attn.o_proj.weight", LlavaGguf.textName("blk.3.attn_output.weight"));
        assertEquals("blk.3.ffn_gate.weight", LlavaGguf.ggufTextName("model.layers.3.mlp.gate_proj.weight"));
        assertEquals("lm_head.weight", LlavaGguf.textName("output.weight"));
        assertEquals(null, LlavaGguf.textName("rope_freqs.weight"));
        assertEquals("vision_tower.vision_model.encoder.layers.0.mlp.fc1.bias", LlavaGguf.visionName("v.blk.0.ffn_down.bias", "ffn_down"));
        assertEquals("vision_tower.vision_model.encoder.layers.0.mlp.fc1.bias", LlavaGguf.visionName("v.blk.0.ffn_up.bias", "ffn_up"));
        assertEquals("multi_modal_projector.linear_2.weight", LlavaGguf.visionName("mm.2.weight", "ffn_down"));
        assertEquals("vision_tower.vision_model.pre_layrnorm.bias", LlavaGguf.visionName("v.pre_ln.bias", "ffn_down"));
    }

    /**
     * The tiny LLaVA written by the project's own writer as a llama.cpp-style pair and loaded back through the model
     * folder: F16 gives the safetensors model's logits exactly; quantized files stay within the bounds below.
     */
    @Test
    void tinyLlavaAsGgufPairGivesTheSameLogits() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        var g = Fixtures.golden("llava-1.5-tiny");
        double[] gold = Npy.read(src.resolve("golden/llava_last_logits.npy")).values();
        float[] goldF = new float[gold.length];
        for (int i = 0; i < gold.length; i++) goldF[i] = (float) gold[i];
        float[] direct = firstLogits(src, g);
        for (DType t : new DType[] {DType.F16, DType.Q8_0, DType.Q4_0}) {
            Path dir = Files.createDirectories(tmp.resolve("llava-" + t));
            try (Stream<Path> s = Files.list(src)) {
                for (Path p : s.toList()) if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".safetensors")) Files.copy(p, dir.resolve(p.getFileName()));
            }
            List<Path> files = LlavaGguf.exportFolder(src, t, dir);
            try (GgufFile text = GgufFile.open(files.get(0)); GgufFile mm = GgufFile.open(files.get(1))) {
                assertEquals("llama", text.architecture());
                assertEquals("clip", mm.architecture());
                assertEquals(2, mm.metaLong("clip.vision.block_count"), "blocks after the feature layer dropped");
                assertEquals(t == DType.F16 ? DType.F16 : t, text.get("blk.0.attn_q.weight").dtype());
            }
            try (WeightMap w = io.llava4j.format.Checkpoints.open(dir)) {
                assertTrue(w.has("language_model.model.layers.1.self_attn.k_proj.weight"));
                if (t == DType.F16) {
                    try (WeightMap orig = io.llava4j.format.Checkpoints.open(src)) {
                        for (String n : w.names()) {
                            assertArrayEquals(orig.get(n).toFloatArray(), w.get(n).toFloatArray(), n + " after the GGUF round trip");
                        }
                    }
                }
            }
            float[] logits = firstLogits(dir, g);
            double vsDirect = Diff.maxAbs(logits, direct), vsGold = Diff.maxAbs(logits, gold);
            int top = TopK.of(logits, 1)[0], goldTop = TopK.of(goldF, 1)[0];
            System.out.printf("[diff] GGUF %s pair: last logits vs safetensors model %.3e, vs fp32 golden %.3e, top-1 %s%n",
                    t, vsDirect, vsGold, top == goldTop ? "kept" : "changed (" + top + " vs " + goldTop + ")");
            // F16: the weights are identical (checked above bit for bit); the two model runs may still differ by float
            // rounding when the JIT compiles a kernel between them, so the logits bound is 1e-5, not 0
            double bound = switch (t) { case F16 -> 1e-5; case Q8_0 -> 0.08; default -> 0.8; };
            assertTrue(vsDirect <= bound, t + ": " + vsDirect + " > " + bound);
            if (t != DType.Q4_0) assertEquals(goldTop, top, t + " keeps the top-1 token");
        }
    }

    static float[] firstLogits(Path dir, com.fasterxml.jackson.databind.JsonNode g) {
        try (VisionLanguageModel m = ModelRegistry.load(dir, LoadOptions.defaults())) {
            var p = m.prepare(g.get("prompt").get("text").asText(),
                    List.of(ImageDecoder.decode(Fixtures.dir("llava-1.5-tiny").resolve("golden/img_landscape_200x150.png"))), List.of());
            return Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
        }
    }
}
