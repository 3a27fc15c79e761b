package io.llava4j.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tokenizer settings the masking arithmetic depends on, read from a model folder's tokenizer_config.json. */
public final class TokenizerFlags {
    private TokenizerFlags() {}

    /**
     * transformers' {@code tokenizer.legacy}: the {@code legacy} field of tokenizer_config.json; absent or null means
     * true (the slow LlamaTokenizer warns and uses the legacy behaviour). vicuna-7b-v1.5 and the LLaVA-1.5 folders say
     * false, which makes {@code preprocess_v1} shorten rounds after the first by one token.
     */
    public static boolean legacy(Path modelDir) {
        Path cfg = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return true;
        try {
            JsonNode n = new ObjectMapper().readTree(cfg.toFile());
            JsonNode l = n.get("legacy");
            return l == null || l.isNull() || l.asBoolean(true);
        } catch (IOException e) {
            throw new UncheckedIOException(cfg + ": " + e.getMessage(), e);
        }
    }
}
