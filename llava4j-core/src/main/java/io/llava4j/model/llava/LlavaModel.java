package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.chat.ChatTemplate;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderLm;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MediaCountException;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.Capabilities;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelLocator;
import io.llava4j.model.ModelTemplates;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tokenizer.ImagePlaceholders;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded LLaVA-1.5 model: CLIP tower + projector + LLaMA-family LM, with the processor of its layout
 * (HF: expand each {@code <image>} into N image-token ids; original: {@code tokenizer_image_token} with -200).
 */
public final class LlavaModel implements VisionLanguageModel {
    private final String name;
    private final LlavaConfig cfg;
    private final List<WeightMap> weights;
    private final TextTokenizer tokenizer;
    private final ClipImageProcessor imageProcessor;
    private final LlavaImageEncoder imageEncoder;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final String imageToken;

    LlavaModel(String name, LlavaConfig cfg, List<WeightMap> weights, TextTokenizer tokenizer,
                       ClipImageProcessor imageProcessor, LlavaImageEncoder imageEncoder, DecoderLm lm,
                       ChatTemplate template, int[] stopIds, String imageToken) {
        this.name = name; this.cfg = cfg; this.weights = weights; this.tokenizer = tokenizer;
        this.imageProcessor = imageProcessor; this.imageEncoder = imageEncoder; this.lm = lm;
        this.template = template; this.stopIds = stopIds; this.imageToken = imageToken;
    }

    static LlavaModel load(Path dir, LlavaConfig cfg, LoadOptions options) {
        List<WeightMap> opened = new ArrayList<>();
        try {
            WeightMap w = options.open(dir);
            opened.add(w);
            int depth = io.llava4j.vision.projector.MlpProjector.depth(cfg.projectorType());
            LlavaWeightNames names = LlavaWeightNames.detect(w, depth);
            TextTokenizer tok = Tokenizers.load(dir);
            ClipImageProcessor proc;
            io.llava4j.vision.encoder.VisionTower tower;
            if (cfg.layout() == LlavaConfig.Layout.HF) {
                proc = ClipImageProcessor.load(requireFile(dir.resolve("preprocessor_config.json")));
                if (names.visionPrefix() == null) throw new ConfigException("the checkpoint has no vision tower weights (vision_tower.vision_model.*)");
                tower = new ClipVisionTower(cfg.visionConfig(), w, names.visionPrefix(), cfg.featureLayerIndex());
            } else {
                // Original layout: the tower's config and processor come from mm_vision_tower; its weights from the
                // checkpoint when present (as LlavaLlamaForCausalLM.state_dict() saves them), else from that folder.
                Path towerDir = ModelLocator.resolve(options.visionTower() != null ? options.visionTower() : cfg.mmVisionTower(), dir);
                WeightMap tw = w;
                if (names.visionPrefix() == null) {
                    tw = Checkpoints.open(towerDir);
                    opened.add(tw);
                }
                LlavaTowers.Loaded t = LlavaTowers.load(towerDir, cfg, tw, names.visionPrefix());
                if (t.clipConfig() != null) cfg = cfg.withVisionConfig(t.clipConfig());
                tower = t.tower();
                proc = t.processor();
            }
            LlavaImageEncoder enc = new LlavaImageEncoder(cfg, tower, LlavaImageEncoder.loadProjector(w, names, cfg.projectorAct()));
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, names.decoderPrefix(), names.lmHead(), options.adapter(w, null));
            if (enc.projector().outputDim() != cfg.textConfig().hiddenSize()) {
                throw new ConfigException("projector gives " + enc.projector().outputDim() + " features but the language model's hidden_size is " + cfg.textConfig().hiddenSize());
            }
            JsonNode procCfg = Json.readOptional(dir.resolve("processor_config.json"));
            String imageToken = Json.stringField(procCfg, "image_token", "<image>");
            if (cfg.layout() == LlavaConfig.Layout.HF) {
                int id = tok.tokenId(imageToken).orElseThrow(() -> new ConfigException("the tokenizer has no '" + imageToken + "' token"));
                if (id != cfg.imageTokenId()) throw new ConfigException("tokenizer id of " + imageToken + " is " + id + " but config image_token_index is " + cfg.imageTokenId());
            }
            ChatTemplate template = ModelTemplates.forModel(dir, defaultConvMode(cfg));
            int[] stop = ModelTemplates.stopTokenIds(dir, tok);
            return new LlavaModel(dir.getFileName().toString(), cfg, List.copyOf(opened), tok, proc, enc, lm, template, stop, imageToken);
        } catch (RuntimeException e) {
            opened.forEach(WeightMap::close);
            throw e;
        }
    }

    /** The conversation template the original repos use for this text model when the checkpoint names none. */
    private static String defaultConvMode(LlavaConfig cfg) {
        return switch (cfg.textConfig().modelType()) {
            case "mistral" -> "mistral_instruct";
            case "qwen2" -> "chatml_direct";
            default -> "llava_v1";
        };
    }

    private static Path requireFile(Path p) {
        if (!Files.isRegularFile(p)) throw new ConfigException("missing file: " + p);
        return p;
    }

    public LlavaConfig config() { return cfg; }
    public LlavaImageEncoder imageEncoder() { return imageEncoder; }
    public ClipImageProcessor.Config imageProcessorConfig() { return imageProcessor.config(); }

    /** Pixel tensor (3, S, S) for one image, as this model's processor makes it. */
    public float[] pixels(RgbImage img) {
        return (cfg.padToSquare() ? imageProcessor.preprocessPadToSquare(img) : imageProcessor.preprocess(img)).data();
    }

    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "llava"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, false, true, false); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }

    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos) {
        if (!videos.isEmpty()) throw new IllegalArgumentException("this model (" + name + ", llava) does not take videos");
        int markers = count(prompt, imageToken);
        if (markers != images.size()) {
            throw new MediaCountException("the prompt has " + markers + " " + imageToken + " markers but " + images.size() + " images were given");
        }
        List<float[]> feats = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int hidden = cfg.textConfig().hiddenSize();
        for (RgbImage img : images) {
            float[] f = cache.image("image", img, i -> imageEncoder.encode(pixels(i)));
            feats.add(f);
            rows.add(f.length / hidden);
        }
        if (cfg.layout() == LlavaConfig.Layout.HF) {
            String expanded = prompt.replace(imageToken, imageToken.repeat(imageEncoder.tokensPerImage()));
            int[] ids = tokenizer.encode(expanded, true);
            return MultimodalPrompt.fromExpandedIds(ids, cfg.imageTokenId(), feats, rows);
        }
        return MultimodalPrompt.fromSentinelIds(
                ImagePlaceholders.tokenizerImageToken(tokenizer, prompt, imageToken, LlavaConfig.IMAGE_SENTINEL),
                LlavaConfig.IMAGE_SENTINEL, feats, rows);
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    @Override
    public void close() { weights.forEach(WeightMap::close); }
}
