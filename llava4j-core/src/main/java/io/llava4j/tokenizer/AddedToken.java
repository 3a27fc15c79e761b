package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A token matched literally in the text before the model's own tokenization (transformers' {@code AddedToken}):
 * {@code <s>}, {@code <image>}, {@code <|im_end|>}... {@code lstrip}/{@code rstrip} make it swallow the
 * whitespace on its left/right; {@code singleWord} only matches it as a whole word.
 */
record AddedToken(String content, boolean lstrip, boolean rstrip, boolean singleWord, boolean normalized, boolean special) {

    /** A special token with default flags, as transformers creates for {@code bos_token="<s>"}. */
    static AddedToken special(String content) {
        return new AddedToken(content, false, false, false, false, true);
    }

    /**
     * From a tokenizer_config.json / special_tokens_map.json value: a plain string or an object with
     * {@code content} and flags. Returns null for JSON null or a missing value.
     */
    static AddedToken fromJson(JsonNode v, boolean defaultSpecial) {
        if (v == null || v.isNull() || v.isMissingNode()) return null;
        if (v.isTextual()) return new AddedToken(v.asText(), false, false, false, !defaultSpecial, defaultSpecial);
        if (!v.isObject() || !v.path("content").isTextual()) throw new IllegalArgumentException("not a token: " + v);
        boolean special = v.path("special").asBoolean(defaultSpecial);
        return new AddedToken(v.get("content").asText(), v.path("lstrip").asBoolean(false), v.path("rstrip").asBoolean(false),
                v.path("single_word").asBoolean(false), v.path("normalized").asBoolean(!special), special);
    }
}
