package io.llava4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.model.llava.LlavaFamily;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The explicit list of supported families. A model folder is dispatched on its config.json
 * (architectures, model_type, mm_* fields), never on the folder name. Order matters: more specific first.
 */
public final class ModelRegistry {
    private static final List<ModelFamily> FAMILIES = List.of(
            new io.llava4j.model.pllava.PllavaFamily(),
            new io.llava4j.model.chatunivi.ChatUniViFamily(),
            new io.llava4j.model.videollava.VideoLlavaFamily(),
            new io.llava4j.model.videollava.OriginalVideoLlavaFamily(),
            new io.llava4j.model.llavanextvideo.LlavaNextVideoFamily(),
            new io.llava4j.model.onevision.OneVisionFamily(),
            new io.llava4j.model.llavanext.LlavaNextFamily(),
            new LlavaFamily());

    private ModelRegistry() {}

    public static List<ModelFamily> families() { return FAMILIES; }

    public static ModelFamily detect(JsonNode config) {
        for (ModelFamily f : FAMILIES) if (f.matches(config)) return f;
        throw new ConfigException("unsupported model: model_type '" + Json.stringField(config, "model_type", "?")
                + "', architectures " + config.path("architectures") + " (supported families: "
                + FAMILIES.stream().map(ModelFamily::id).toList() + ")");
    }

    /**
     * Loads the model in {@code dir}: a folder with config.json, or a llama.cpp / Ollama GGUF pair (a folder of .gguf
     * files without config.json, or a text-model .gguf file with {@link LoadOptions#mmproj()} or its mmproj beside it).
     */
    public static VisionLanguageModel load(Path dir, LoadOptions options) {
        if (options.mmproj() != null || io.llava4j.format.gguf.GgufPair.isGgufModel(dir)) {
            return io.llava4j.model.llava.LlavaGgufModel.load(io.llava4j.format.gguf.GgufPair.find(dir, options.mmproj()), options);
        }
        if (!Files.isDirectory(dir)) throw new ConfigException("model folder not found: " + dir);
        JsonNode config = Json.read(dir.resolve("config.json"));
        return detect(config).load(dir, config, options);
    }
}
