package io.llava4j.model;

import java.nio.file.Path;

/**
 * Options for loading a model.
 * @param visionTower overrides where the vision tower is taken from (original-layout checkpoints), or null
 * @param lora        a PEFT LoRA adapter folder (adapter_config.json + adapter_model.*) applied unmerged, or null
 * @param loraAlpha   overrides the adapter's lora_alpha (scaling = alpha / r; PLLaVA's scripts use 4), or null
 * @param quantize    Q8_0 / Q4_0 / Q4_K to quantize the language model's linear weights at load time (--load-8bit /
 *                    --load-4bit / --load-q4k), or null to keep the stored types
 * @param mmproj      the mmproj GGUF of a llama.cpp-style pair (--mmproj), when the model is given as a text-model
 *                    .gguf file; null to find it beside the model
 */
public record LoadOptions(String visionTower, Path lora, Double loraAlpha, io.llava4j.tensor.DType quantize, Path mmproj) {
    public LoadOptions(String visionTower) { this(visionTower, null, null, null, null); }

    public LoadOptions(String visionTower, Path lora, Double loraAlpha, io.llava4j.tensor.DType quantize) {
        this(visionTower, lora, loraAlpha, quantize, null);
    }

    public LoadOptions(String visionTower, Path lora, Double loraAlpha) { this(visionTower, lora, loraAlpha, null); }

    public static LoadOptions defaults() { return new LoadOptions(null, null, null, null, null); }

    /** The model folder's weights, quantized at load time when asked. */
    public io.llava4j.format.WeightMap open(Path dir) {
        return quantizing(io.llava4j.format.Checkpoints.open(dir));
    }

    /** {@code w}, quantized at load time when asked. */
    public io.llava4j.format.WeightMap quantizing(io.llava4j.format.WeightMap w) {
        return quantize == null ? w : new io.llava4j.format.QuantizingWeightMap(w, quantize);
    }

    /**
     * The adapter to apply: the --lora folder, else LoRA tensors found inside the checkpoint (alpha: the override,
     * else {@code defaultAlpha}, else the rank), else null.
     */
    public io.llava4j.llm.LoraAdapter adapter(io.llava4j.format.WeightMap checkpoint, Double defaultAlpha) {
        if (lora != null) return io.llava4j.llm.LoraAdapter.fromPeftFolder(lora, loraAlpha);
        return io.llava4j.llm.LoraAdapter.fromWeights(checkpoint, loraAlpha != null ? loraAlpha : defaultAlpha);
    }
}
