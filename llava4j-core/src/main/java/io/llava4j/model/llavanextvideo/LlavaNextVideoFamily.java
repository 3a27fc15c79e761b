package io.llava4j.model.llavanextvideo;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** LLaVA-NeXT-Video, HF port ({@code LlavaNextVideoForConditionalGeneration}, model_type llava_next_video). */
public final class LlavaNextVideoFamily implements ModelFamily {
    @Override public String id() { return "llava_next_video"; }

    @Override public boolean matches(JsonNode c) {
        return c.path("architectures").path(0).asText("").equals("LlavaNextVideoForConditionalGeneration")
                || Json.stringField(c, "model_type", "").equals("llava_next_video");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return LlavaNextVideoModel.load(dir, config, options);
    }
}
