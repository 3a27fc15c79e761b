package io.llava4j.format.gguf;

import io.llava4j.bench.RandomLlavaCheckpoint;
import io.llava4j.engine.TopK;
import io.llava4j.format.Npy;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixed-type GGUF files as llama.cpp's Q4_K_M / Q5_K_M recipes write them ({@link LlavaGguf.Mix}), written by the
 * project's writer, loaded back through the model folder and run: the tiny fixture (hidden 32, so every matrix takes
 * llama.cpp's fallback for rows that are not whole 256-blocks: Q5_0 / Q5_1 and Q8_0) against its fp32 golden, and a
 * random LLaVA-1.5 of hidden 256 (Q4_K / Q5_K with Q6_K for output, attn_v and ffn_down) against its own unquantized run.
 */
class GgufKQuantTest {
    @TempDir Path tmp;

    /** Copies the folder's non-weight files (config, tokenizer, golden) and exports the pair into it. */
    Path exportMix(Path src, LlavaGguf.Mix mix, String tag) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(tag + "-" + mix));
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".safetensors")) Files.copy(p, dir.resolve(p.getFileName()));
        }
        List<Path> files = LlavaGguf.exportFolder(src, mix, dir, null);
        assertEquals(src.getFileName() + "-" + mix.name().toLowerCase() + ".gguf", files.get(0).getFileName().toString());
        return dir;
    }

    static Map<String, DType> types(Path dir) throws Exception {
        Map<String, DType> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            Path text = s.filter(p -> p.getFileName().toString().endsWith(".gguf") && !p.getFileName().toString().startsWith("mmproj")).findFirst().orElseThrow();
            try (GgufFile g = GgufFile.open(text)) {
                for (String n : g.names()) m.put(n, g.get(n).dtype());
            }
        }
        return m;
    }

    static Map<DType, Integer> counts(Map<String, DType> types) {
        Map<DType, Integer> c = new TreeMap<>();
        for (DType t : types.values()) c.merge(t, 1, Integer::sum);
        return c;
    }

    @Test
    void mixRecipeFollowsLlamaCpp() {
        // use_more_bits for 8 layers: 0 (first eighth), 3 and 6 (every third after it), 7 (last eighth)
        for (int l = 0; l < 8; l++) {
            DType v = LlavaGguf.Mix.Q4_K_M.typeOf("blk." + l + ".attn_v.weight", 4096, 8);
            assertEquals(l == 0 || l == 3 || l == 6 || l == 7 ? DType.Q6_K : DType.Q4_K, v, "layer " + l);
            assertEquals(v, LlavaGguf.Mix.Q4_K_M.typeOf("blk." + l + ".ffn_down.weight", 4096, 8));
            assertEquals(DType.Q4_K, LlavaGguf.Mix.Q4_K_M.typeOf("blk." + l + ".attn_q.weight", 4096, 8));
            assertEquals(l == 0 || l == 3 || l == 6 || l == 7 ? DType.Q6_K : DType.Q5_K, LlavaGguf.Mix.Q5_K_M.typeOf("blk." + l + ".ffn_down.weight", 4096, 8));
        }
        assertEquals(DType.Q6_K, LlavaGguf.Mix.Q4_K_M.typeOf("output.weight", 4096, 32));
        assertEquals(DType.Q4_K, LlavaGguf.Mix.Q4_K_M.typeOf("token_embd.weight", 4096, 32));
        // rows that are not whole super-blocks: llama.cpp's convert_incompatible_tensor
        assertEquals(DType.Q5_0, LlavaGguf.Mix.Q4_K_M.typeOf("blk.1.attn_q.weight", 96, 32));
        assertEquals(DType.Q5_1, LlavaGguf.Mix.Q5_K_M.typeOf("blk.1.attn_q.weight", 96, 32));
        assertEquals(DType.Q8_0, LlavaGguf.Mix.Q4_K_M.typeOf("output.weight", 96, 32));
        assertEquals(DType.F16, LlavaGguf.Mix.Q4_K_M.typeOf("blk.1.attn_q.weight", 100, 32));
        assertEquals(LlavaGguf.Mix.Q5_K_M, LlavaGguf.Mix.parse("q5_k_m"));
    }

    /** The fixture as Q4_K_M / Q5_K_M pairs: Q5_0 / Q5_1 matrices (and Q8_0) against the fp32 golden. */
    @Test
    void fixtureMixedPairsStayCloseToTheFp32Golden() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        var g = Fixtures.golden("llava-1.5-tiny");
        double[] gold = Npy.read(src.resolve("golden/llava_last_logits.npy")).values();
        float[] goldF = new float[gold.length];
        for (int i = 0; i < gold.length; i++) goldF[i] = (float) gold[i];
        int goldTop = TopK.of(goldF, 1)[0];
        for (LlavaGguf.Mix mix : LlavaGguf.Mix.values()) {
            Path dir = exportMix(src, mix, "fixture");
            Map<String, DType> types = types(dir);
            DType small = mix == LlavaGguf.Mix.Q4_K_M ? DType.Q5_0 : DType.Q5_1;
            assertEquals(small, types.get("blk.0.attn_q.weight"));
            assertEquals(small, types.get("blk.0.attn_v.weight"));
            assertEquals(DType.Q8_0, types.get("blk.1.attn_v.weight"), "use_more_bits: Q6_K, rows of 32: Q8_0");
            assertEquals(DType.Q8_0, types.get("output.weight"));
            assertEquals(small, types.get("token_embd.weight"));
            float[] logits = GgufTest.firstLogits(dir, g);
            double d = Diff.maxAbs(logits, gold);
            int top = TopK.of(logits, 1)[0];
            System.out.printf("[diff] fixture as %s GGUF (%s): last logits vs fp32 golden: max abs diff %.4f, top-1 %s%n",
                    mix, counts(types), d, top == goldTop ? "kept" : "changed (" + top + " vs " + goldTop + ")");
            // bound: between --load-8bit's 0.08 and Q4_0's 0.8 (GgufTest); measured 0.25 (Q4_K_M: Q5_0) and 0.22 (Q5_K_M: Q5_1)
            assertTrue(d < 0.4, mix + ": max abs diff " + d);
            assertEquals(goldTop, top, mix + " keeps the golden top-1 token");
        }
    }

    /**
     * A random LLaVA-1.5 of hidden 256 / FFN 512 / 8 layers, so llama.cpp's recipes apply unchanged: Q4_K_M has Q4_K,
     * Q6_K (output.weight, attn_v and ffn_down of layers 0, 3, 6, 7); Q5_K_M Q5_K and Q6_K. Checked: the tensors read
     * back are the quantizer's bytes; the logits equal (to float rounding) those of the same model with every weight
     * replaced by its dequantized values in F32 safetensors (so the K-quant kernels and the loader add no error of their
     * own); and, for scale, how far quantization moves them from the model's unquantized run (random N(0, 0.02)
     * weights: flat logits, so only a loose bound and the top-1 among the quantized top 5).
     */
    @Test
    void kQuantMixOnA256WideModelEqualsItsDequantizedWeights() throws Exception {
        Path src = tmp.resolve("llava-wide");
        RandomLlavaCheckpoint.write(src, new RandomLlavaCheckpoint.Shape(256, 8, 4, 4, 512, 32064, 48, 3, 4, 96, 56, 14),
                Fixtures.dir("llava-1.5-tiny"), 11, null);
        var g = Fixtures.golden("llava-1.5-tiny");
        float[] ref = GgufTest.firstLogits(src, g);
        int refTop = TopK.of(ref, 1)[0];
        double spread = 0;
        for (float v : ref) spread = Math.max(spread, Math.abs(v));
        for (LlavaGguf.Mix mix : LlavaGguf.Mix.values()) {
            Path dir = exportMix(src, mix, "wide");
            Map<String, DType> types = types(dir);
            DType base = mix.base;
            assertEquals(DType.Q6_K, types.get("output.weight"));
            assertEquals(base, types.get("token_embd.weight"));
            for (int l = 0; l < 8; l++) {
                DType more = l == 0 || l == 3 || l == 6 || l == 7 ? DType.Q6_K : base;
                assertEquals(more, types.get("blk." + l + ".attn_v.weight"), "attn_v " + l);
                assertEquals(more, types.get("blk." + l + ".ffn_down.weight"), "ffn_down " + l);
                assertEquals(base, types.get("blk." + l + ".ffn_gate.weight"));
            }
            // the same model with the GGUF's weights widened to F32, as safetensors
            Path deq = Files.createDirectories(tmp.resolve("wide-dequantized-" + mix));
            try (Stream<Path> s = Files.list(src)) {
                for (Path p : s.toList()) if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".safetensors")) Files.copy(p, deq.resolve(p.getFileName()));
            }
            try (WeightMap orig = io.llava4j.format.Checkpoints.open(src); WeightMap back = io.llava4j.format.Checkpoints.open(dir)) {
                Tensor o = back.get("language_model.lm_head.weight");
                assertEquals(DType.Q6_K, o.dtype());
                assertArrayEquals(Quant.quantize(orig.get("language_model.lm_head.weight"), DType.Q6_K).data().toArray(ValueLayout.JAVA_BYTE),
                        o.data().toArray(ValueLayout.JAVA_BYTE), "output.weight: the quantizer's bytes");
                Map<String, Tensor> all = new LinkedHashMap<>();
                for (String n : orig.names()) {
                    Tensor t = back.has(n) ? back.get(n) : orig.get(n); // CLIP blocks after the feature layer are not in the mmproj
                    all.put(n, Tensor.ofFloats(n, t.toFloatArray(), t.shape()));
                }
                SafetensorsWriter.write(deq.resolve("model.safetensors"), all, Map.of("format", "pt"));
            }
            float[] logits = GgufTest.firstLogits(dir, g), widened = GgufTest.firstLogits(deq, g);
            double exact = Diff.maxAbs(logits, widened), d = Diff.maxAbs(logits, ref);
            int[] top5 = TopK.of(logits, 5);
            boolean inTop5 = false;
            for (int id : top5) inTop5 |= id == refTop;
            System.out.printf("[diff] 256-wide random LLaVA as %s GGUF (%s): last logits vs the F32-dequantized model %.2e; "
                            + "vs the unquantized run %.4f (logits up to %.3f), top-1 %s%n", mix, counts(types), exact, d, spread,
                    top5[0] == refTop ? "kept" : "changed (" + top5[0] + " vs " + refTop + (inTop5 ? ", in the top 5)" : ", not in the top 5)"));
            assertTrue(exact < 1e-4, mix + ": quantized kernels vs the same weights in F32: " + exact);
            assertTrue(d < 0.3 * spread, mix + ": max abs diff " + d + " of logits up to " + spread);
            assertTrue(inTop5, mix + ": the unquantized top-1 is in the quantized top 5");
        }
    }
}
