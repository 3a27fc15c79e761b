package io.llava4j.model.onevision;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** LLaVA-OneVision, HF port ({@code LlavaOnevisionForConditionalGeneration}, model_type llava_onevision). */
public final class OneVisionFamily implements ModelFamily {
    @Override public String id() { return "llava_onevision"; }

    @Override public boolean matches(JsonNode c) {
        return c.path("architectures").path(0).asText("").equals("LlavaOnevisionForConditionalGeneration")
                || Json.stringField(c, "model_type", "").equals("llava_onevision");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return OneVisionModel.load(dir, config, options);
    }
}
