package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/** Small Python/transformers string semantics the tokenizers depend on. */
final class Py {
    private Py() {}

    /** {@code str.isspace()} for one code point (Unicode whitespace, plus the separators 0x1C-0x1F). */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
        return s.substring(i);
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
        return s.substring(0, end);
    }

    /** transformers' {@code clean_up_tokenization}: removes spaces before punctuation and English contractions. */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    /**
     * Python truthiness of a tokenizer_config.json value: absent gives {@code fallback} (the keyword default),
     * {@code null} is falsy (None), booleans are themselves.
     */
    static boolean truthy(JsonNode config, String key, boolean fallback) {
        if (!config.has(key)) return fallback;
        JsonNode v = config.get(key);
        if (v.isNull()) return false;
        if (v.isBoolean()) return v.asBoolean();
        if (v.isNumber()) return v.asDouble() != 0;
        if (v.isTextual()) return !v.asText().isEmpty();
        return !v.isEmpty();
    }
}
