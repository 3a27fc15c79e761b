package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hugging Face side files of a tokenizer folder: {@code tokenizer_config.json},
 * {@code special_tokens_map.json} and {@code added_tokens.json}. Each may be absent; a file that exists
 * but is not valid JSON is a {@link TokenizerException} naming it.
 */
final class TokenizerConfig {
    static final String CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String ADDED_TOKENS = "added_tokens.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    /** tokenizer_config.json, or a missing node. */
    final JsonNode config;
    final JsonNode specialTokensMap;
    final JsonNode addedTokens;

    private TokenizerConfig(Path dir) {
        this.dir = dir;
        this.config = readIfExists(dir.resolve(CONFIG));
        this.specialTokensMap = readIfExists(dir.resolve(SPECIAL_TOKENS_MAP));
        this.addedTokens = readIfExists(dir.resolve(ADDED_TOKENS));
    }

    private TokenizerConfig(JsonNode config) {
        this.dir = null;
        this.config = config == null ? MissingNode.getInstance() : config;
        this.specialTokensMap = MissingNode.getInstance();
        this.addedTokens = MissingNode.getInstance();
    }

    static TokenizerConfig read(Path dir) {
        return new TokenizerConfig(dir);
    }

    /** A tokenizer_config.json given as a node (no side files), e.g. one rebuilt from GGUF metadata. */
    static TokenizerConfig of(JsonNode config) {
        return new TokenizerConfig(config);
    }

    /** {@code legacy}: null when absent or null (the tokenizer class then picks). */
    Boolean legacy() {
        JsonNode v = config.path("legacy");
        return v.isBoolean() ? v.asBoolean() : null;
    }

    /** {@code tokenizer_class}, or "" when absent. */
    String tokenizerClass() {
        return config.path("tokenizer_class").asText("");
    }

    static JsonNode readIfExists(Path file) {
        if (!Files.exists(file)) return MissingNode.getInstance();
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new TokenizerException(file + " is not a JSON object");
            return n;
        } catch (IOException e) {
            throw new TokenizerException(file + " is not valid JSON: " + oneLine(e.getMessage()), e);
        }
    }

    static String oneLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
