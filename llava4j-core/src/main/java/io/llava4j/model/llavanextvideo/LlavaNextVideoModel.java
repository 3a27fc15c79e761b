package io.llava4j.model.llavanextvideo;

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
import io.llava4j.model.llavanext.AnyResImageEncoder;
import io.llava4j.model.llavanext.LlavaNextConfig;
import io.llava4j.nn.Linear;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.merge.SpatialPool;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.projector.MlpProjector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LLaVA-NeXT-Video: images as LLaVA-NeXT (anyres + newline); video frames resized/cropped like CLIP, the selected
 * layer (CLS dropped) pooled 2x2 over the patch grid ({@code spatial_pool_mode}: average or max) BEFORE the
 * projector, no newline; frames x pooled rows replace the expanded {@code <video>} ids. Note the swapped ids of
 * the HF port: {@code <video>} = video_token_index (32000), {@code <image>} = image_token_index (32001).
 */
public final class LlavaNextVideoModel implements VisionLanguageModel {
    /** Frames sampled from a video by the reference demo (uniform). */
    public static final int FRAMES = 32;

    private final String name;
    private final LlavaNextConfig cfg;
    private final int videoTokenId, poolStride;
    private final boolean maxPool;
    private final WeightMap weights;
    private final TextTokenizer tokenizer;
    private final AnyResImageEncoder images;
    private final ClipImageProcessor frameProcessor;
    private final ClipVisionTower tower;
    private final MlpProjector projector;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final String imageToken, videoToken;

    private LlavaNextVideoModel(String name, LlavaNextConfig cfg, int videoTokenId, int poolStride, boolean maxPool, WeightMap weights,
                                TextTokenizer tokenizer, AnyResImageEncoder images, ClipImageProcessor frameProcessor,
                                ClipVisionTower tower, MlpProjector projector, DecoderLm lm, ChatTemplate template, int[] stopIds,
                                String imageToken, String videoToken) {
        this.name = name; this.cfg = cfg; this.videoTokenId = videoTokenId; this.poolStride = poolStride; this.maxPool = maxPool;
        this.weights = weights; this.tokenizer = tokenizer; this.images = images; this.frameProcessor = frameProcessor;
        this.tower = tower; this.projector = projector; this.lm = lm; this.template = template; this.stopIds = stopIds;
        this.imageToken = imageToken; this.videoToken = videoToken;
    }

    static LlavaNextVideoModel load(Path dir, JsonNode c, io.llava4j.model.LoadOptions options) {
        LlavaNextConfig cfg = LlavaNextConfig.fromJson(c);
        String mode = Json.stringField(c, "spatial_pool_mode", "average");
        if (!mode.equals("average") && !mode.equals("max")) throw new ConfigException("spatial_pool_mode '" + mode + "' is not supported (average, max)");
        int stride = Json.intField(c, "spatial_pool_stride", 2, 1, 64);
        int videoId = Json.intField(c, "video_token_index", 32000, 0, cfg.textConfig().vocabSize() - 1);
        WeightMap w = options.open(dir);
        try {
            boolean newer = w.has("model.language_model.embed_tokens.weight");
            String root = newer ? "model." : "";
            ClipVisionTower tower = new ClipVisionTower(cfg.visionConfig(), w, root + "vision_tower.vision_model.", cfg.featureLayerIndex());
            MlpProjector projector = new MlpProjector(List.of(
                    Linear.of(w.get(root + "multi_modal_projector.linear_1.weight"), w.get(root + "multi_modal_projector.linear_1.bias")),
                    Linear.of(w.get(root + "multi_modal_projector.linear_2.weight"), w.get(root + "multi_modal_projector.linear_2.bias"))),
                    cfg.projectorAct());
            float[] newline = w.get(root + "image_newline").requireShape(cfg.textConfig().hiddenSize()).toFloatArray();
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, newer ? "model.language_model." : "language_model.model.",
                    newer ? "lm_head.weight" : "language_model.lm_head.weight");
            TextTokenizer tok = Tokenizers.load(dir);
            JsonNode pc = Json.readOptional(dir.resolve("processor_config.json"));
            String imageToken = Json.stringField(pc, "image_token", "<image>"), videoToken = Json.stringField(pc, "video_token", "<video>");
            check(tok, imageToken, cfg.imageTokenId());
            check(tok, videoToken, videoId);
            ClipImageProcessor proc = ClipImageProcessor.load(dir.resolve("preprocessor_config.json"));
            Path vp = dir.resolve("video_preprocessor_config.json");
            ClipImageProcessor frames = java.nio.file.Files.isRegularFile(vp) ? ClipImageProcessor.load(vp) : proc;
            AnyResImageEncoder enc = new AnyResImageEncoder(proc, tower, projector, cfg.pinpoints(), cfg.visionFeatureLayer(), cfg.keepCls(), newline);
            return new LlavaNextVideoModel(dir.getFileName().toString(), cfg, videoId, stride, mode.equals("max"), w, tok, enc, frames,
                    tower, projector, lm, ModelTemplates.forModel(dir, "llava_v1"), ModelTemplates.stopTokenIds(dir, tok), imageToken, videoToken);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static void check(TextTokenizer tok, String token, int id) {
        int got = tok.tokenId(token).orElseThrow(() -> new ConfigException("the tokenizer has no '" + token + "' token"));
        if (got != id) throw new ConfigException("tokenizer id of " + token + " is " + got + " but the config says " + id);
    }

    /** Rows per frame after pooling. */
    public int tokensPerFrame() {
        int side = cfg.visionConfig().grid() / poolStride;
        return side * side;
    }

    /** Video features: (frames x pooled patches, hidden). */
    public float[] encodeVideo(List<RgbImage> frames) {
        int h = tower.hiddenSize(), side = cfg.visionConfig().grid(), per = tokensPerFrame();
        float[] pooled = new float[frames.size() * per * h];
        for (int f = 0; f < frames.size(); f++) {
            float[] hs = tower.hiddenState(frameProcessor.preprocess(frames.get(f)).data(), cfg.visionFeatureLayer());
            float[] patches = java.util.Arrays.copyOfRange(hs, h, hs.length);
            System.arraycopy(SpatialPool.pool(patches, side, h, poolStride, maxPool), 0, pooled, f * per * h, per * h);
        }
        return projector.forward(pooled, frames.size() * per);
    }

    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "llava_next_video"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, true, true, true); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }
    @Override public int preferredVideoFrames() { return FRAMES; }

    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> imgs, List<List<RgbImage>> videos) {
        List<float[]> imgF = new ArrayList<>(), vidF = new ArrayList<>();
        List<Integer> imgR = new ArrayList<>(), vidR = new ArrayList<>();
        StringBuilder expanded = new StringBuilder();
        int ii = 0, vi = 0, hidden = cfg.textConfig().hiddenSize();
        for (int i = 0; i < prompt.length(); ) {
            if (prompt.startsWith(imageToken, i)) {
                if (ii >= imgs.size()) throw countError(prompt, imgs.size(), videos.size());
                RgbImage img = imgs.get(ii++);
                float[] f = cache.image("image", img, images::encode);
                imgF.add(f);
                imgR.add(f.length / hidden);
                expanded.append(imageToken.repeat(images.tokens(img)));
                i += imageToken.length();
            } else if (prompt.startsWith(videoToken, i)) {
                if (vi >= videos.size()) throw countError(prompt, imgs.size(), videos.size());
                List<RgbImage> frames = videos.get(vi++);
                if (frames.isEmpty()) throw new IllegalArgumentException("a video with no frames was given");
                float[] f = cache.video("video", frames, this::encodeVideo);
                vidF.add(f);
                vidR.add(f.length / hidden);
                expanded.append(videoToken.repeat(frames.size() * tokensPerFrame()));
                i += videoToken.length();
            } else expanded.append(prompt.charAt(i++));
        }
        if (ii != imgs.size() || vi != videos.size()) throw countError(prompt, imgs.size(), videos.size());
        int[] ids = tokenizer.encode(expanded.toString(), true);
        return MultimodalPrompt.fromExpandedIds(ids, Map.of(
                cfg.imageTokenId(), new MultimodalPrompt.Placeholder("Image", imgF, imgR),
                videoTokenId, new MultimodalPrompt.Placeholder("Video", vidF, vidR)));
    }

    private MediaCountException countError(String prompt, int images, int videos) {
        int im = 0, vm = 0;
        for (int i = prompt.indexOf(imageToken); i >= 0; i = prompt.indexOf(imageToken, i + 1)) im++;
        for (int i = prompt.indexOf(videoToken); i >= 0; i = prompt.indexOf(videoToken, i + 1)) vm++;
        return new MediaCountException("the prompt has " + im + " " + imageToken + " and " + vm + " " + videoToken
                + " markers but " + images + " images and " + videos + " videos were given");
    }

    @Override public void close() { weights.close(); }
}
