package io.llava4j.model.videollava;

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
import java.util.Map;

/**
 * Video-LLaVA (HF port): images go through image_tower (CLS dropped by "default"), videos frame by frame
 * through video_tower (CLS kept: frames x (patches + 1) rows), both through the one projector; features replace
 * the expanded image / video token ids in order.
 *
 * <p>Difference from the original PKU-YuanGroup checkpoints: their LanguageBind video tower adds temporal
 * attention and temporal position embeddings across the 8 frames; the HF port (and this class) runs a plain
 * CLIP tower per frame. Original-layout checkpoints (LanguageBind towers with temporal attention) load through
 * {@link OriginalVideoLlavaModel}.
 */
public final class VideoLlavaModel implements VisionLanguageModel {
    /** Frames the reference samples from a video: linspace(0, n-1, 8). */
    public static final int FRAMES = 8;

    private final String name;
    private final VideoLlavaConfig cfg;
    private final WeightMap weights;
    private final TextTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final ClipVisionTower imageTower, videoTower;
    private final MlpProjector projector;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final String imageToken, videoToken;

    private VideoLlavaModel(String name, VideoLlavaConfig cfg, WeightMap weights, TextTokenizer tokenizer,
                            ClipImageProcessor processor, ClipVisionTower imageTower, ClipVisionTower videoTower,
                            MlpProjector projector, DecoderLm lm, ChatTemplate template, int[] stopIds,
                            String imageToken, String videoToken) {
        this.name = name; this.cfg = cfg; this.weights = weights; this.tokenizer = tokenizer; this.processor = processor;
        this.imageTower = imageTower; this.videoTower = videoTower; this.projector = projector; this.lm = lm;
        this.template = template; this.stopIds = stopIds; this.imageToken = imageToken; this.videoToken = videoToken;
    }

    static VideoLlavaModel load(Path dir, VideoLlavaConfig cfg, io.llava4j.model.LoadOptions options) {
        WeightMap w = options.open(dir);
        try {
            String lmPrefix = w.has("language_model.model.embed_tokens.weight") ? "language_model.model." : "model.language_model.";
            String head = w.has("language_model.lm_head.weight") ? "language_model.lm_head.weight" : "lm_head.weight";
            String root = w.has("image_tower.vision_model.embeddings.class_embedding") ? "" : "model.";
            int layers = cfg.featureLayerIndex();
            ClipVisionTower it = new ClipVisionTower(cfg.visionConfig(), w, root + "image_tower.vision_model.", layers);
            ClipVisionTower vt = new ClipVisionTower(cfg.visionConfig(), w, root + "video_tower.vision_model.", layers);
            String proj = root + "multi_modal_projector.";
            MlpProjector projector = new MlpProjector(List.of(
                    Linear.of(w.get(proj + "linear_1.weight"), w.get(proj + "linear_1.bias")),
                    Linear.of(w.get(proj + "linear_2.weight"), w.get(proj + "linear_2.bias"))), cfg.projectorAct());
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, lmPrefix, head);
            TextTokenizer tok = Tokenizers.load(dir);
            var pc = Json.readOptional(dir.resolve("processor_config.json"));
            String imageToken = Json.stringField(pc, "image_token", "<image>"), videoToken = Json.stringField(pc, "video_token", "<video>");
            checkToken(tok, imageToken, cfg.imageTokenId());
            checkToken(tok, videoToken, cfg.videoTokenId());
            ClipImageProcessor proc = ClipImageProcessor.load(dir.resolve("preprocessor_config.json"));
            return new VideoLlavaModel(dir.getFileName().toString(), cfg, w, tok, proc, it, vt, projector, lm,
                    ModelTemplates.forModel(dir, "llava_v1"), ModelTemplates.stopTokenIds(dir, tok), imageToken, videoToken);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static void checkToken(TextTokenizer tok, String token, int id) {
        int got = tok.tokenId(token).orElseThrow(() -> new ConfigException("the tokenizer has no '" + token + "' token"));
        if (got != id) throw new ConfigException("tokenizer id of " + token + " is " + got + " but the config says " + id);
    }

    /** Image features: (patches, hidden). */
    public float[] encodeImage(RgbImage img) {
        float[] hs = imageTower.hiddenState(processor.preprocess(img).data(), cfg.visionFeatureLayer());
        int h = cfg.visionConfig().hiddenSize();
        float[] sel = cfg.dropImageCls() ? java.util.Arrays.copyOfRange(hs, h, hs.length) : hs;
        return projector.forward(sel, sel.length / h);
    }

    /** Video features: (frames x (patches + 1), hidden), frame by frame, CLS kept. */
    public float[] encodeVideo(List<RgbImage> frames) {
        int per = cfg.tokensPerFrame(), h = cfg.visionConfig().hiddenSize();
        float[] all = new float[frames.size() * per * h];
        for (int f = 0; f < frames.size(); f++) {
            float[] hs = videoTower.hiddenState(processor.preprocess(frames.get(f)).data(), cfg.visionFeatureLayer());
            System.arraycopy(hs, 0, all, f * per * h, per * h);
        }
        return projector.forward(all, frames.size() * per);
    }

    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "video_llava"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, true, true, true); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }
    @Override public int preferredVideoFrames() { return FRAMES; }

    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos) {
        int im = count(prompt, imageToken), vm = count(prompt, videoToken);
        if (im != images.size()) throw new MediaCountException("the prompt has " + im + " " + imageToken + " markers but " + images.size() + " images were given");
        if (vm != videos.size()) throw new MediaCountException("the prompt has " + vm + " " + videoToken + " markers but " + videos.size() + " videos were given");
        int hidden = cfg.textConfig().hiddenSize();
        List<float[]> imgF = new ArrayList<>(), vidF = new ArrayList<>();
        List<Integer> imgR = new ArrayList<>(), vidR = new ArrayList<>();
        for (RgbImage i : images) { float[] f = cache.image("image", i, this::encodeImage); imgF.add(f); imgR.add(f.length / hidden); }
        for (List<RgbImage> v : videos) {
            if (v.isEmpty()) throw new IllegalArgumentException("a video with no frames was given");
            float[] f = cache.video("video", v, this::encodeVideo);
            vidF.add(f);
            vidR.add(f.length / hidden);
        }
        // The processor expands each marker: images to patches (+CLS), videos to frames x (patches + 1).
        StringBuilder expanded = new StringBuilder();
        int vi = 0;
        for (int i = 0; i < prompt.length(); ) {
            if (prompt.startsWith(imageToken, i)) { expanded.append(imageToken.repeat(cfg.tokensPerImage())); i += imageToken.length(); }
            else if (prompt.startsWith(videoToken, i)) { expanded.append(videoToken.repeat(cfg.tokensPerFrame() * videos.get(vi++).size())); i += videoToken.length(); }
            else expanded.append(prompt.charAt(i++));
        }
        int[] ids = tokenizer.encode(expanded.toString(), true);
        return MultimodalPrompt.fromExpandedIds(ids, Map.of(
                cfg.imageTokenId(), new MultimodalPrompt.Placeholder("Image", imgF, imgR),
                cfg.videoTokenId(), new MultimodalPrompt.Placeholder("Video", vidF, vidR)));
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    @Override public void close() { weights.close(); }
}
