package io.llava4j.model.llavanext;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** LLaVA-NeXT / LLaVA-1.6, HF port ({@code LlavaNextForConditionalGeneration}, model_type llava_next). */
public final class LlavaNextFamily implements ModelFamily {
    @Override public String id() { return "llava_next"; }

    @Override public boolean matches(JsonNode c) {
        return isHf(c) || isOriginal(c);
    }

    private static boolean isHf(JsonNode c) {
        return c.path("architectures").path(0).asText("").equals("LlavaNextForConditionalGeneration")
                || Json.stringField(c, "model_type", "").equals("llava_next");
    }

    /** liuhaotian/llava-v1.6-*: the original LLaVA classes with spatial (anyres) patch merging. */
    private static boolean isOriginal(JsonNode c) {
        String arch = c.path("architectures").path(0).asText("");
        return (arch.equals("LlavaLlamaForCausalLM") || arch.equals("LlavaMistralForCausalLM") || arch.isEmpty() && c.has("mm_vision_tower"))
                && c.path("mm_patch_merge_type").asText("flat").startsWith("spatial");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        if (isOriginal(config)) {
            String merge = config.path("mm_patch_merge_type").asText();
            if (!merge.equals("spatial_unpad")) {
                throw new io.llava4j.config.ConfigException("mm_patch_merge_type '" + merge + "' is not supported (spatial_unpad)");
            }
            return LlavaNextModel.loadOriginal(dir, config, options);
        }
        return LlavaNextModel.load(dir, LlavaNextConfig.fromJson(config), options);
    }
}
