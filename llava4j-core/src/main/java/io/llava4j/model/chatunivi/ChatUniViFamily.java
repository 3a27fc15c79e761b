package io.llava4j.model.chatunivi;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelFamily;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;

/** Chat-UniVi (v1, v1.5): {@code ChatUniViLlamaForCausalLM}, model_type "ChatUniVi", original LLaVA-style layout. */
public final class ChatUniViFamily implements ModelFamily {
    @Override public String id() { return "chatunivi"; }

    @Override public boolean matches(JsonNode c) {
        return c.path("architectures").path(0).asText("").startsWith("ChatUniVi")
                || Json.stringField(c, "model_type", "").equalsIgnoreCase("chatunivi");
    }

    @Override public VisionLanguageModel load(Path dir, JsonNode config, LoadOptions options) {
        return ChatUniViModel.load(dir, config, options);
    }
}
