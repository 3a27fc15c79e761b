package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/**
 * LLaVA-1.5 (and LLaVA-1.0 style linear projectors): HF {@code LlavaForConditionalGeneration}
 * (model_type "llava") and the original repo's {@code LlavaLlamaForCausalLM} / {@code LlavaMistralForCausalLM}
 * (model_type "llava_llama", "llava_mistral", or "llava" with mm_* fields).
 */
public final class LlavaFamily implements ModelFamily {

    @Override public String id() { return "llava"; }

    @Override
    public boolean matches(JsonNode c) {
        String arch = c.path("architectures").path(0).asText("");
        String type = Json.stringField(c, "model_type", "");
        if (arch.equals("LlavaForConditionalGeneration")) return true;
        if (arch.equals("LlavaLlamaForCausalLM") || arch.equals("LlavaMistralForCausalLM")) return !c.has("mm_patch_merge_type")
                || c.path("mm_patch_merge_type").asText("flat").equals("flat");
        if (!arch.isEmpty()) return false; // another architecture that reuses model_type "llava" (e.g. PLLaVA)
        return type.equals("llava") || type.equals("llava_llama") || type.equals("llava_mistral");
    }

    @Override
    public VisionLanguageModel load(Path modelDir, JsonNode config, LoadOptions options) {
        return LlavaModel.load(modelDir, LlavaConfig.fromJson(config), options);
    }
}
