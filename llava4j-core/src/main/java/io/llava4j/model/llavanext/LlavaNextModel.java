package io.llava4j.model.llavanext;

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
import io.llava4j.model.ModelTemplates;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.nn.Linear;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.projector.MlpProjector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** LLaVA-NeXT: anyres images ({@link AnyResImageEncoder}) spliced as expanded image tokens into a LLaMA/Mistral LM. */
public final class LlavaNextModel implements VisionLanguageModel {
    private final String name;
    private final LlavaNextConfig cfg;
    private final WeightMap weights;
    private final TextTokenizer tokenizer;
    private final AnyResImageEncoder encoder;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final String imageToken;
    private final boolean sentinel;
    private final List<WeightMap> extra;

    private LlavaNextModel(String name, LlavaNextConfig cfg, WeightMap weights, TextTokenizer tokenizer, AnyResImageEncoder encoder,
                           DecoderLm lm, ChatTemplate template, int[] stopIds, String imageToken, boolean sentinel, List<WeightMap> extra) {
        this.name = name; this.cfg = cfg; this.weights = weights; this.tokenizer = tokenizer; this.encoder = encoder;
        this.lm = lm; this.template = template; this.stopIds = stopIds; this.imageToken = imageToken;
        this.sentinel = sentinel; this.extra = extra;
    }

    /**
     * The original LLaVA-1.6 layout (liuhaotian/llava-v1.6-*: LlavaLlamaForCausalLM / LlavaMistralForCausalLM with
     * mm_patch_merge_type spatial_unpad and image_aspect_ratio anyres): model.* names, tower from mm_vision_tower,
     * pinpoints given as (width, height), full-canvas padding, one -200 sentinel per image.
     */
    static LlavaNextModel loadOriginal(Path dir, JsonNode c, io.llava4j.model.LoadOptions options) {
        var flat = ((com.fasterxml.jackson.databind.node.ObjectNode) c.deepCopy());
        flat.remove("mm_patch_merge_type");
        flat.put("image_aspect_ratio", "square");
        io.llava4j.model.llava.LlavaConfig lc = io.llava4j.model.llava.LlavaConfig.fromJson(flat);
        List<int[]> pins = new ArrayList<>();
        for (int[] p : LlavaNextConfig.fromJsonPinpoints(c)) pins.add(new int[] {p[1], p[0]}); // (w, h) -> (h, w)
        List<WeightMap> opened = new ArrayList<>();
        try {
            WeightMap w = options.open(dir);
            opened.add(w);
            int depth = io.llava4j.vision.projector.MlpProjector.depth(Json.stringField(c, "mm_projector_type", "mlp2x_gelu"));
            io.llava4j.model.llava.LlavaWeightNames names = io.llava4j.model.llava.LlavaWeightNames.detect(w, depth);
            Path towerDir = io.llava4j.model.ModelLocator.resolve(options.visionTower() != null ? options.visionTower() : lc.mmVisionTower(), dir);
            WeightMap tw = w;
            if (names.visionPrefix() == null) { tw = Checkpoints.open(towerDir); opened.add(tw); }
            var t = io.llava4j.model.llava.LlavaTowers.load(towerDir, lc, tw, names.visionPrefix());
            if (!(t.tower() instanceof ClipVisionTower clip)) throw new ConfigException("LLaVA-1.6 anyres needs a CLIP tower");
            List<Linear> ls = new ArrayList<>();
            for (String p : names.projector()) ls.add(Linear.of(w.get(p + ".weight"), w.find(p + ".bias").orElse(null)));
            MlpProjector projector = new MlpProjector(ls, "gelu");
            String nl = w.has("model.image_newline") ? "model.image_newline" : "image_newline";
            float[] newline = w.get(nl).requireShape(lc.textConfig().hiddenSize()).toFloatArray();
            DecoderLm lm = new DecoderLm(lc.textConfig(), w, names.decoderPrefix(), names.lmHead(), options.adapter(w, null));
            TextTokenizer tok = Tokenizers.load(dir);
            LlavaNextConfig cfg = new LlavaNextConfig(lc.textConfig(), t.clipConfig(), io.llava4j.model.llava.LlavaConfig.IMAGE_SENTINEL,
                    lc.visionFeatureLayer(), lc.keepCls(), "gelu", pins);
            AnyResImageEncoder enc = new AnyResImageEncoder(t.processor(), clip, projector, pins, lc.visionFeatureLayer(), lc.keepCls(), newline, true);
            String conv = switch (lc.textConfig().modelType()) { case "mistral" -> "mistral_instruct"; default -> "llava_v1"; };
            return new LlavaNextModel(dir.getFileName().toString(), cfg, w, tok, enc, lm, ModelTemplates.forModel(dir, conv),
                    ModelTemplates.stopTokenIds(dir, tok), "<image>", true, List.copyOf(opened.subList(1, opened.size())));
        } catch (RuntimeException e) {
            opened.forEach(WeightMap::close);
            throw e;
        }
    }

    static LlavaNextModel load(Path dir, LlavaNextConfig cfg, io.llava4j.model.LoadOptions options) {
        WeightMap w = options.open(dir);
        try {
            boolean newer = w.has("model.language_model.embed_tokens.weight");
            String root = newer ? "model." : "";
            String lmPrefix = newer ? "model.language_model." : "language_model.model.";
            String head = newer ? "lm_head.weight" : "language_model.lm_head.weight";
            ClipVisionTower tower = new ClipVisionTower(cfg.visionConfig(), w, root + "vision_tower.vision_model.", cfg.featureLayerIndex());
            MlpProjector projector = new MlpProjector(List.of(
                    Linear.of(w.get(root + "multi_modal_projector.linear_1.weight"), w.get(root + "multi_modal_projector.linear_1.bias")),
                    Linear.of(w.get(root + "multi_modal_projector.linear_2.weight"), w.get(root + "multi_modal_projector.linear_2.bias"))),
                    cfg.projectorAct());
            float[] newline = w.get(root + "image_newline").requireShape(cfg.textConfig().hiddenSize()).toFloatArray();
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, lmPrefix, head);
            TextTokenizer tok = Tokenizers.load(dir);
            String imageToken = Json.stringField(Json.readOptional(dir.resolve("processor_config.json")), "image_token", "<image>");
            int id = tok.tokenId(imageToken).orElseThrow(() -> new ConfigException("the tokenizer has no '" + imageToken + "' token"));
            if (id != cfg.imageTokenId()) throw new ConfigException("tokenizer id of " + imageToken + " is " + id + " but config image_token_index is " + cfg.imageTokenId());
            ClipImageProcessor proc = ClipImageProcessor.load(dir.resolve("preprocessor_config.json"));
            AnyResImageEncoder enc = new AnyResImageEncoder(proc, tower, projector, cfg.pinpoints(), cfg.visionFeatureLayer(), cfg.keepCls(), newline);
            String conv = cfg.textConfig().modelType().equals("mistral") ? "mistral_instruct" : "llava_v1";
            return new LlavaNextModel(dir.getFileName().toString(), cfg, w, tok, enc, lm, ModelTemplates.forModel(dir, conv),
                    ModelTemplates.stopTokenIds(dir, tok), imageToken, false, List.of());
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    public AnyResImageEncoder imageEncoder() { return encoder; }

    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "llava_next"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, false, true, false); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }

    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos) {
        if (!videos.isEmpty()) throw new IllegalArgumentException("this model (" + name + ", llava_next) does not take videos");
        int markers = 0;
        for (int i = prompt.indexOf(imageToken); i >= 0; i = prompt.indexOf(imageToken, i + imageToken.length())) markers++;
        if (markers != images.size()) throw new MediaCountException("the prompt has " + markers + " " + imageToken + " markers but " + images.size() + " images were given");
        List<float[]> feats = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        StringBuilder expanded = new StringBuilder();
        int from = 0, k = 0;
        for (int i = prompt.indexOf(imageToken); i >= 0; i = prompt.indexOf(imageToken, i + imageToken.length())) {
            RgbImage img = images.get(k++);
            float[] f = cache.image("image", img, encoder::encode);
            feats.add(f);
            rows.add(f.length / cfg.textConfig().hiddenSize());
            expanded.append(prompt, from, i).append(imageToken.repeat(encoder.tokens(img)));
            from = i + imageToken.length();
        }
        expanded.append(prompt.substring(from));
        if (sentinel) {
            int[] ids = io.llava4j.tokenizer.ImagePlaceholders.tokenizerImageToken(tokenizer, prompt, imageToken, cfg.imageTokenId());
            return MultimodalPrompt.fromSentinelIds(ids, cfg.imageTokenId(), feats, rows);
        }
        int[] ids = tokenizer.encode(expanded.toString(), true);
        return MultimodalPrompt.fromExpandedIds(ids, cfg.imageTokenId(), feats, rows);
    }

    @Override public void close() { weights.close(); extra.forEach(WeightMap::close); }
}
