package io.llava4j.model.videollava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** Video-LLaVA, HF port ({@code VideoLlavaForConditionalGeneration}, model_type video_llava). */
public final class VideoLlavaFamily implements ModelFamily {
    @Override public String id() { return "video_llava"; }

    @Override public boolean matches(JsonNode c) {
        return c.path("architectures").path(0).asText("").equals("VideoLlavaForConditionalGeneration")
                || Json.stringField(c, "model_type", "").equals("video_llava");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return VideoLlavaModel.load(dir, VideoLlavaConfig.fromJson(config), options);
    }
}
