package io.llava4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.chat.ChatTemplate;
import io.llava4j.chat.ConversationTemplates;
import io.llava4j.chat.JinjaChatTemplate;
import io.llava4j.config.Json;
import io.llava4j.tokenizer.TextTokenizer;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** Chat template and stop ids as the checkpoint declares them, shared by the families. */
public final class ModelTemplates {
    private ModelTemplates() {}

    /** The HF chat_template of the folder (chat_template.json / tokenizer_config.json), else the named conversation template. */
    public static ChatTemplate forModel(Path dir, String fallbackConvMode) {
        return JinjaChatTemplate.fromModelDir(dir).<ChatTemplate>map(t -> t)
                .orElseGet(() -> ConversationTemplates.byName(fallbackConvMode));
    }

    /** EOS ids: generation_config.json eos_token_id (int or list), config.json eos_token_id, the tokenizer's EOS. */
    public static int[] stopTokenIds(Path dir, TextTokenizer tok) {
        Set<Integer> ids = new LinkedHashSet<>();
        add(ids, Json.readOptional(dir.resolve("generation_config.json")).path("eos_token_id"));
        add(ids, Json.readOptional(dir.resolve("config.json")).path("eos_token_id"));
        add(ids, Json.readOptional(dir.resolve("config.json")).path("text_config").path("eos_token_id"));
        tok.eosId().ifPresent(ids::add);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void add(Set<Integer> ids, JsonNode n) {
        if (n.isInt()) ids.add(n.asInt());
        else if (n.isArray()) n.forEach(e -> { if (e.isInt()) ids.add(e.asInt()); });
    }
}
