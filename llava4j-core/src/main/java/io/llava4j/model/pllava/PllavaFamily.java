package io.llava4j.model.pllava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** PLLaVA ({@code PllavaForConditionalGeneration}; its config says model_type "llava", so dispatch is on the architecture). */
public final class PllavaFamily implements ModelFamily {
    @Override public String id() { return "pllava"; }

    @Override public boolean matches(JsonNode c) {
        return c.path("architectures").path(0).asText("").equals("PllavaForConditionalGeneration");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return PllavaModel.load(dir, config, options);
    }
}
