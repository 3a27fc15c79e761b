package io.llava4j.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * One model family (its config, weight names, processor, template and forward live in its own package).
 * The registry asks each family, in order, whether a config.json is its own.
 */
public interface ModelFamily {
    /** Short id, e.g. "llava". */
    String id();

    /** Whether this config.json (model_type, architectures, mm_* fields) belongs to the family. */
    boolean matches(JsonNode config);

    VisionLanguageModel load(Path modelDir, JsonNode config, LoadOptions options);
}
