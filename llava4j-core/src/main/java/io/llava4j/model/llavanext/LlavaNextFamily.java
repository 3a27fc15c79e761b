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
        return c.path("architectures").path(0).asText("").equals("LlavaNextForConditionalGeneration")
                || Json.stringField(c, "model_type", "").equals("llava_next");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return LlavaNextModel.load(dir, LlavaNextConfig.fromJson(config));
    }
}
