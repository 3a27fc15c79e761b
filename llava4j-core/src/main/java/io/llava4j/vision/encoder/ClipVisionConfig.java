package io.llava4j.vision.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;

/**
 * CLIP vision transformer hyper-parameters (HF CLIPVisionConfig; defaults are its defaults).
 * Derived: grid = imageSize / patchSize, positions = grid^2 + 1 (CLS).
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHeads, int numLayers,
                               int imageSize, int patchSize, int numChannels, float layerNormEps, String hiddenAct) {

    public ClipVisionConfig {
        if (hiddenSize % numHeads != 0) throw new io.llava4j.config.ConfigException(
                "vision hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numHeads);
        if (patchSize > imageSize) throw new io.llava4j.config.ConfigException(
                "vision patch_size " + patchSize + " is larger than image_size " + imageSize);
    }

    public int headDim() { return hiddenSize / numHeads; }
    public int grid() { return imageSize / patchSize; }
    public int numPatches() { return grid() * grid(); }
    public int numPositions() { return numPatches() + 1; }

    /** From an HF vision_config / CLIPVisionModel config.json node; missing fields take CLIPVisionConfig defaults. */
    public static ClipVisionConfig fromJson(JsonNode n) {
        return new ClipVisionConfig(
                Json.intField(n, "hidden_size", 768, 1, 1 << 16),
                Json.intField(n, "intermediate_size", 3072, 1, 1 << 18),
                Json.intField(n, "num_attention_heads", 12, 1, 1024),
                Json.intField(n, "num_hidden_layers", 12, 1, 1024),
                Json.intField(n, "image_size", 224, 1, 1 << 14),
                Json.intField(n, "patch_size", 32, 1, 1 << 10),
                Json.intField(n, "num_channels", 3, 1, 16),
                (float) Json.doubleField(n, "layer_norm_eps", 1e-5, 0, 1),
                Json.stringField(n, "hidden_act", "quick_gelu"));
    }

    /** From an HF SiglipVisionConfig node; missing fields take SigLIP defaults (tanh GELU, eps 1e-6, patch 16). */
    public static ClipVisionConfig fromSiglipJson(JsonNode n) {
        return new ClipVisionConfig(
                Json.intField(n, "hidden_size", 768, 1, 1 << 16),
                Json.intField(n, "intermediate_size", 3072, 1, 1 << 18),
                Json.intField(n, "num_attention_heads", 12, 1, 1024),
                Json.intField(n, "num_hidden_layers", 12, 1, 1024),
                Json.intField(n, "image_size", 224, 1, 1 << 14),
                Json.intField(n, "patch_size", 16, 1, 1 << 10),
                Json.intField(n, "num_channels", 3, 1, 16),
                (float) Json.doubleField(n, "layer_norm_eps", 1e-6, 0, 1),
                Json.stringField(n, "hidden_act", "gelu_pytorch_tanh"));
    }

    /** LlavaConfig's default tower when vision_config is absent (CLIP ViT-L/14-336). */
    public static ClipVisionConfig llavaDefault() {
        return new ClipVisionConfig(1024, 4096, 16, 24, 336, 14, 3, 1e-5f, "quick_gelu");
    }
}
