package io.llava4j.format.gguf;

import io.llava4j.chat.JinjaChatTemplate;
import io.llava4j.format.CheckpointException;
import io.llava4j.model.llava.LlavaConfig;
import io.llava4j.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link LlavaGguf#exportFolder} writes beyond the hyper-parameters, so that the pair needs nothing else to be
 * loaded: the tokenizer ({@link GgufTokenizer#metadata}) and {@code tokenizer.chat_template} in the text model;
 * {@code clip.vision.feature_layer} and {@code clip.vision.image_aspect_ratio} in the mmproj.
 */
final class LlavaGgufMetadata {
    private LlavaGgufMetadata() {}

    static Map<String, GgufValue> text(Path modelDir, LlavaConfig cfg) {
        if (!Files.isRegularFile(modelDir.resolve("tokenizer.model"))) {
            throw new CheckpointException(modelDir + ": GGUF export needs the SentencePiece tokenizer.model (tokenizer.json alone cannot be written as tokenizer.ggml.*)");
        }
        var text = cfg.textConfig();
        Map<String, GgufValue> m = new LinkedHashMap<>(GgufTokenizer.metadata(modelDir, Tokenizers.load(modelDir, Tokenizers.Source.SENTENCEPIECE), text.vocabSize()));
        JinjaChatTemplate.fromModelDir(modelDir).ifPresent(t -> m.put("tokenizer.chat_template", GgufValue.str(t.source())));
        if (text.headDim() * text.numHeads() != text.hiddenSize()) {
            m.put("llama.attention.key_length", GgufValue.u32(text.headDim()));
            m.put("llama.attention.value_length", GgufValue.u32(text.headDim()));
        }
        return m;
    }

    /**
     * The feature layer as transformers counts it (llama.cpp then runs exactly the stored blocks, see its issue #25817),
     * and "pad" / "square" for whether images are padded to a square before the CLIP processor.
     */
    static Map<String, GgufValue> vision(LlavaConfig cfg) {
        if (cfg.keepCls()) throw new CheckpointException("vision_feature_select_strategy 'full' (CLS row kept) cannot be written as an mmproj");
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("clip.vision.feature_layer", GgufValue.array(GgufValueType.INT32, List.of(cfg.featureLayerIndex())));
        m.put("clip.vision.image_aspect_ratio", GgufValue.str(cfg.padToSquare() ? "pad" : "square"));
        return m;
    }
}
