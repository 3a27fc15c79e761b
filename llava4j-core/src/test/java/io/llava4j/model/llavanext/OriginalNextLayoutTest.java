package io.llava4j.model.llavanext;

import io.llava4j.format.Checkpoints;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.mm.PromptChunk;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The original LLaVA-1.6 layout, made in the test from the HF tiny NeXT checkpoint (inverse of the HF converter):
 * for an image whose anyres padding is the same in both pipelines, the image features equal the HF port's.
 */
class OriginalNextLayoutTest {
    @TempDir Path tmp;

    static String original(String hf) {
        if (hf.startsWith("language_model.model.")) return "model." + hf.substring("language_model.model.".length());
        if (hf.equals("language_model.lm_head.weight")) return "lm_head.weight";
        if (hf.startsWith("vision_tower.")) return "model.vision_tower." + hf;
        if (hf.startsWith("multi_modal_projector.linear_1")) return hf.replace("multi_modal_projector.linear_1", "model.mm_projector.0");
        if (hf.startsWith("multi_modal_projector.linear_2")) return hf.replace("multi_modal_projector.linear_2", "model.mm_projector.2");
        if (hf.equals("image_newline")) return "model.image_newline";
        return hf;
    }

    @Test
    void originalLayoutGivesTheHfImageFeatures() throws Exception {
        Path hf = Fixtures.dir("llava-next-vicuna-tiny");
        Path orig = Files.createDirectories(tmp.resolve("llava-v1.6-tiny"));
        for (String f : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json")) {
            Files.copy(hf.resolve(f), orig.resolve(f));
        }
        Path tower = Files.createDirectories(tmp.resolve("clip-tower"));
        Files.copy(Fixtures.dir("clip-vit-tiny-patch14-56").resolve("config.json"), tower.resolve("config.json"));
        Files.copy(hf.resolve("preprocessor_config.json"), tower.resolve("preprocessor_config.json"));
        try (WeightMap w = Checkpoints.open(hf)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String n : w.names()) out.put(original(n), w.get(n));
            SafetensorsWriter.write(orig.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        Files.writeString(orig.resolve("config.json"), """
                {"architectures": ["LlavaLlamaForCausalLM"], "model_type": "llava", "hidden_size": 32, "intermediate_size": 64,
                 "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 4, "rms_norm_eps": 1e-05,
                 "vocab_size": 32064, "max_position_embeddings": 4096, "head_dim": 8,
                 "mm_vision_tower": "clip-tower", "mm_hidden_size": 48, "mm_projector_type": "mlp2x_gelu",
                 "mm_vision_select_layer": -2, "mm_vision_select_feature": "patch", "mm_patch_merge_type": "spatial_unpad",
                 "image_aspect_ratio": "anyres", "image_grid_pinpoints": [[112, 56], [56, 112], [112, 112], [56, 168], [168, 56]]}""");
        RgbImage img = ImageDecoder.decode(hf.resolve("golden/img_portrait_120x240.png"));
        try (VisionLanguageModel a = ModelRegistry.load(hf, LoadOptions.defaults());
             VisionLanguageModel b = ModelRegistry.load(orig, LoadOptions.defaults())) {
            assertEquals("llava_next", b.family());
            MultimodalPrompt pa = a.prepare("USER: <image>\nWhat? ASSISTANT:", List.of(img), List.of());
            MultimodalPrompt pb = b.prepare("USER: <image>\nWhat? ASSISTANT:", List.of(img), List.of());
            assertTrue(java.util.Arrays.stream(pb.inputIds()).anyMatch(i -> i == -200), "original layout uses the -200 sentinel");
            Diff.assertClose("LLaVA-1.6 original layout vs HF port: image features", rows(pb), toDouble(rows(pa)), 1e-6);
        }
    }

    static float[] rows(MultimodalPrompt p) {
        List<float[]> parts = new java.util.ArrayList<>();
        for (PromptChunk c : p.chunks()) if (c instanceof PromptChunk.Media m) parts.add(m.rows());
        int n = parts.stream().mapToInt(x -> x.length).sum();
        float[] out = new float[n];
        int o = 0;
        for (float[] x : parts) { System.arraycopy(x, 0, out, o, x.length); o += x.length; }
        return out;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
