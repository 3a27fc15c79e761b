package io.llava4j.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** An unmerged PEFT adapter gives the logits of the merged weights W + (alpha/r) B A; --lora-alpha rescales. */
class LoraTest {
    @TempDir Path tmp;
    static final String[] TARGETS = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    float[] logits(Path model, LoadOptions o) {
        JsonNode g = Fixtures.golden("llava-1.5-tiny");
        try (VisionLanguageModel m = ModelRegistry.load(model, o)) {
            var p = m.prepare(g.get("prompt").get("text").asText(),
                    List.of(ImageDecoder.decode(Fixtures.dir("llava-1.5-tiny").resolve("golden/img_landscape_200x150.png"))), List.of());
            return Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
        }
    }

    @Test
    void unmergedAdapterEqualsMergedWeights() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        int r = 4;
        double alpha = 8;
        Map<String, Tensor> adapter = new LinkedHashMap<>(), merged = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(11);
        try (WeightMap w = Checkpoints.open(src)) {
            for (String n : w.names()) merged.put(n, w.get(n));
            for (int l = 0; l < 2; l++) {
                for (String t : TARGETS) {
                    String base = "language_model.model.layers." + l + "." + t;
                    Tensor wt = w.get(base + ".weight");
                    int out = (int) wt.dim(0), in = (int) wt.dim(1);
                    float[] a = new float[r * in], b = new float[out * r];
                    for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * 0.1);
                    for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextGaussian() * 0.1);
                    String peft = "base_model.model.model.layers." + l + "." + t;
                    adapter.put(peft + ".lora_A.weight", Tensor.ofFloats("a", a, r, in));
                    adapter.put(peft + ".lora_B.weight", Tensor.ofFloats("b", b, out, r));
                    float[] wf = wt.toFloatArray();
                    for (int o = 0; o < out; o++)
                        for (int i = 0; i < in; i++) {
                            double s = 0;
                            for (int k = 0; k < r; k++) s += (double) b[o * r + k] * a[k * in + i];
                            wf[o * in + i] += (float) (alpha / r * s);
                        }
                    merged.put(base + ".weight", Tensor.ofFloats(base, wf, out, in));
                }
            }
            Path peftDir = Files.createDirectories(tmp.resolve("adapter"));
            SafetensorsWriter.write(peftDir.resolve("adapter_model.safetensors"), adapter, null);
            Files.writeString(peftDir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\",\"gate_proj\",\"up_proj\",\"down_proj\"]}");
            Path mergedDir = Files.createDirectories(tmp.resolve("merged"));
            try (Stream<Path> s = Files.list(src)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) if (!p.toString().endsWith(".safetensors")) Files.copy(p, mergedDir.resolve(p.getFileName()));
            }
            SafetensorsWriter.write(mergedDir.resolve("model.safetensors"), merged, null);

            float[] viaAdapter = logits(src, new LoadOptions(null, peftDir, null));
            double[] viaMerged = toDouble(logits(mergedDir, LoadOptions.defaults()));
            Diff.assertClose("LoRA unmerged vs merged weights (alpha 8, r 4)", viaAdapter, viaMerged, 1e-4);
            float[] base = logits(src, LoadOptions.defaults());
            assertTrue(Diff.maxAbs(base, viaAdapter) > 1e-2, "the adapter changes the logits");
            float[] half = logits(src, new LoadOptions(null, peftDir, 4.0)); // alpha override: half the delta
            for (int i = 0; i < 100; i++) {
                // logits are not linear in the delta, but alpha 4 must differ from both alpha 8 and no adapter
                if (Math.abs(half[i] - viaAdapter[i]) > 1e-4 && Math.abs(half[i] - base[i]) > 1e-4) return;
            }
            throw new AssertionError("--lora-alpha had no effect");
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
