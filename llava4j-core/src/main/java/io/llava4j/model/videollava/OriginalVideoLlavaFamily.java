package io.llava4j.model.videollava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** Video-LLaVA as PKU-YuanGroup published it (LanguageBind towers named by mm_image_tower / mm_video_tower). */
public final class OriginalVideoLlavaFamily implements ModelFamily {
    @Override public String id() { return "video_llava_original"; }

    @Override public boolean matches(JsonNode c) { return OriginalVideoLlavaConfig.matches(c); }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return OriginalVideoLlavaModel.load(dir, OriginalVideoLlavaConfig.fromJson(config), options);
    }
}
