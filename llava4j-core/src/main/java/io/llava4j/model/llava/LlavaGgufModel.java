package io.llava4j.model.llava;

import io.llava4j.chat.ChatTemplate;
import io.llava4j.chat.ConversationTemplates;
import io.llava4j.chat.JinjaChatTemplate;
import io.llava4j.config.ConfigException;
import io.llava4j.format.WeightMap;
import io.llava4j.format.gguf.GgufFile;
import io.llava4j.format.gguf.GgufPair;
import io.llava4j.format.gguf.GgufTokenizer;
import io.llava4j.format.gguf.GgufValue;
import io.llava4j.format.gguf.LlavaGguf;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.llm.DecoderLm;
import io.llava4j.model.LoadOptions;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A LLaVA-1.5 model from a llama.cpp / Ollama GGUF pair alone: configuration, tokenizer, image processor and chat
 * template all come from the two files' metadata ({@link LlavaGgufConfig}, {@link GgufTokenizer}). When the
 * vocabulary has an {@code <image>} token (HF-converted checkpoints) each image marker is expanded into that token,
 * as the HF processor does; otherwise (original LLaVA checkpoints, vocabulary 32000) the prompt is cut at the marker
 * and the image features go in between, as the original {@code tokenizer_image_token} does.
 */
public final class LlavaGgufModel {
    private LlavaGgufModel() {}

    private static final String IMAGE_TOKEN = "<image>";

    public static LlavaModel load(GgufPair pair, LoadOptions options) {
        TextTokenizer tok;
        LlavaConfig cfg;
        ClipImageProcessor proc;
        ChatTemplate template;
        int[] stop;
        String name;
        try (GgufFile text = GgufFile.open(pair.text()); GgufFile mm = GgufFile.open(pair.mmproj())) {
            DecoderConfig textCfg = LlavaGgufConfig.text(text);
            ClipVisionConfig visionCfg = LlavaGgufConfig.vision(mm);
            tok = GgufTokenizer.read(text);
            OptionalInt image = tok.tokenId(IMAGE_TOKEN);
            boolean expand = image.isPresent() && image.getAsInt() < textCfg.vocabSize();
            cfg = new LlavaConfig(expand ? LlavaConfig.Layout.HF : LlavaConfig.Layout.ORIGINAL, textCfg, visionCfg,
                    expand ? image.getAsInt() : LlavaConfig.IMAGE_SENTINEL, tok.padId().orElse(-1),
                    LlavaGgufConfig.featureLayerIndex(mm, visionCfg.numLayers()), false, LlavaGgufConfig.projectorType(mm), "gelu",
                    LlavaGgufConfig.padToSquare(mm), null);
            proc = new ClipImageProcessor(LlavaGgufConfig.processor(mm));
            template = text.meta("tokenizer.chat_template").map(GgufValue::asString)
                    .<ChatTemplate>map(s -> new JinjaChatTemplate(s, roleText(tok, tok.bosId()), roleText(tok, tok.eosId())))
                    .orElseGet(() -> ConversationTemplates.byName("llava_v1"));
            stop = stopIds(text, tok);
            name = text.meta("general.name").map(GgufValue::asString).orElse(pair.text().getFileName().toString());
        }
        WeightMap w = options.quantizing(LlavaGguf.open(pair.text(), pair.mmproj()));
        try {
            LlavaWeightNames names = LlavaWeightNames.detect(w, io.llava4j.vision.projector.MlpProjector.depth(cfg.projectorType()));
            var tower = new ClipVisionTower(cfg.visionConfig(), w, names.visionPrefix(), cfg.featureLayerIndex());
            var enc = new LlavaImageEncoder(cfg, tower, LlavaImageEncoder.loadProjector(w, names, cfg.projectorAct()));
            if (enc.projector().outputDim() != cfg.textConfig().hiddenSize()) {
                throw new ConfigException(pair.mmproj() + ": the projector gives " + enc.projector().outputDim()
                        + " features but the text model's embedding_length is " + cfg.textConfig().hiddenSize() + " (mismatched pair?)");
            }
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, names.decoderPrefix(), names.lmHead(), options.adapter(w, null));
            return new LlavaModel(name, cfg, List.of(w), tok, proc, enc, lm, template, stop, IMAGE_TOKEN);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static String roleText(TextTokenizer tok, OptionalInt id) {
        return id.isPresent() ? tok.token(id.getAsInt()) : null;
    }

    /** EOS (and end-of-turn) ids from the metadata, then the tokenizer's EOS. */
    private static int[] stopIds(GgufFile f, TextTokenizer tok) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String k : new String[] {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"}) {
            f.meta(k).ifPresent(v -> ids.add((int) v.asLong()));
        }
        tok.eosId().ifPresent(ids::add);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
