package io.llava4j.model.videollava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.chat.ChatTemplate;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderLm;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.FeatureCache;
import io.llava4j.mm.MediaCountException;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.Capabilities;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelLocator;
import io.llava4j.model.ModelTemplates;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.nn.Linear;
import io.llava4j.tensor.Tensor;
import io.llava4j.tokenizer.ImagePlaceholders;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.projector.MlpProjector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Video-LLaVA as PKU-YuanGroup published it ({@code videollava/model/llava_arch.py}): LanguageBind image tower
 * (hidden_states[select_layer] without CLS for "patch") and LanguageBind video tower, whose temporal attention runs
 * when its weights are in the checkpoint ({@link ClipVisionTower#videoHiddenState}); all 257 rows per frame are
 * kept for videos. One projector ({@code model.mm_projector.*}). In the prompt every {@code <image>} becomes one -200
 * sentinel (one image's rows) and a video is {@code num_frames} space-separated {@code <image>} markers, one frame's
 * rows each, as Video-LLaVA's CLI writes it; a {@code <video>} marker is expanded to exactly that.
 *
 * <p>Where this differs from the original code (documented, not hidden):
 * <ul>
 *   <li>Preprocessing: frames and images go through CLIP's PIL-style bicubic resize + center crop at the tower's
 *       size. LanguageBind resizes float tensors (images: torchvision bicubic; videos: pytorchvideo ShortSideScale)
 *       and its video transform keeps a {@code RandomHorizontalFlip(p=0.5)} even at inference; we never flip.</li>
 *   <li>Tower hyper-parameters come from the mm_*_tower folder's config.json when it is found locally; otherwise they
 *       are read off the weights (width, depth, patch and image size) with 64-wide heads and quick_gelu, the
 *       LanguageBind code defaults.</li>
 * </ul>
 * The HF port ({@link VideoLlavaModel}) has no temporal attention at all: its converter loads the original weights
 * non-strictly and {@code CLIPVisionModel} has no place for them.
 */
public final class OriginalVideoLlavaModel implements VisionLanguageModel {
    private static final int SENTINEL = ImagePlaceholders.LLAVA_IMAGE_TOKEN_INDEX;
    private static final String IMAGE = "<image>", VIDEO = "<video>";

    private final String name;
    private final OriginalVideoLlavaConfig cfg;
    private final List<WeightMap> weights;
    private final TextTokenizer tokenizer;
    private final ClipVisionTower imageTower, videoTower;
    private final ClipImageProcessor imageProcessor, videoProcessor;
    private final MlpProjector projector;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final FeatureCache cache = new FeatureCache();

    private OriginalVideoLlavaModel(String name, OriginalVideoLlavaConfig cfg, List<WeightMap> weights, TextTokenizer tokenizer,
                                    ClipVisionTower imageTower, ClipVisionTower videoTower, ClipImageProcessor imageProcessor,
                                    ClipImageProcessor videoProcessor, MlpProjector projector, DecoderLm lm,
                                    ChatTemplate template, int[] stopIds) {
        this.name = name; this.cfg = cfg; this.weights = weights; this.tokenizer = tokenizer; this.imageTower = imageTower;
        this.videoTower = videoTower; this.imageProcessor = imageProcessor; this.videoProcessor = videoProcessor;
        this.projector = projector; this.lm = lm; this.template = template; this.stopIds = stopIds;
    }

    static OriginalVideoLlavaModel load(Path dir, OriginalVideoLlavaConfig cfg, LoadOptions options) {
        List<WeightMap> opened = new ArrayList<>();
        try {
            WeightMap w = options.open(dir);
            opened.add(w);
            ClipVisionTower it = cfg.imageTower() == null ? null : tower(dir, cfg.imageTower(), w, "model.image_tower.image_tower.", cfg, opened);
            ClipVisionTower vt = tower(dir, cfg.videoTower(), w, "model.video_tower.video_tower.", cfg, opened);
            MlpProjector projector = projector(w, cfg.projectorType());
            if (projector.inputDim() != vt.hiddenSize()) {
                throw new ConfigException("projector takes " + projector.inputDim() + " features but the video tower gives " + vt.hiddenSize());
            }
            if (projector.outputDim() != cfg.textConfig().hiddenSize()) {
                throw new ConfigException("projector gives " + projector.outputDim() + " features but the language model's hidden_size is " + cfg.textConfig().hiddenSize());
            }
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, "model.", w.has("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight", options.adapter(w, null));
            TextTokenizer tok = Tokenizers.load(dir);
            return new OriginalVideoLlavaModel(dir.getFileName().toString(), cfg, List.copyOf(opened), tok, it, vt,
                    it == null ? null : processor(it.config().imageSize()), processor(vt.config().imageSize()), projector, lm,
                    ModelTemplates.forModel(dir, "llava_v1"), ModelTemplates.stopTokenIds(dir, tok));
        } catch (RuntimeException e) {
            opened.forEach(WeightMap::close);
            throw e;
        }
    }

    /** A LanguageBind tower: weights from the checkpoint when saved there, else from the tower folder. */
    private static ClipVisionTower tower(Path dir, String ref, WeightMap w, String prefix, OriginalVideoLlavaConfig cfg, List<WeightMap> opened) {
        Path towerDir = null;
        ConfigException notFound = null;
        if (ref != null) {
            try { towerDir = ModelLocator.resolve(ref, dir); } catch (ConfigException e) { notFound = e; }
        }
        WeightMap tw = w;
        String p = prefix;
        if (!w.has(prefix + "embeddings.class_embedding")) {
            if (towerDir == null) {
                throw notFound != null ? notFound : new ConfigException("the checkpoint has no " + prefix + "* weights and names no tower folder");
            }
            tw = Checkpoints.open(towerDir);
            opened.add(tw);
            p = tw.has("vision_model.embeddings.class_embedding") ? "vision_model." : "";
        }
        ClipVisionConfig vc = towerDir != null ? configFromFolder(towerDir) : configFromWeights(tw, p);
        return new ClipVisionTower(vc, tw, p, cfg.featureLayerIndex(vc.numLayers()));
    }

    /** LanguageBind folders hold a two-tower config whose vision half is {@code vision_config}. */
    private static ClipVisionConfig configFromFolder(Path towerDir) {
        JsonNode c = Json.read(towerDir.resolve("config.json"));
        return ClipVisionConfig.fromJson(c.has("vision_config") ? c.path("vision_config") : c);
    }

    /** Hyper-parameters read off the weights (ViT heads are 64 wide in every CLIP / LanguageBind size). */
    static ClipVisionConfig configFromWeights(WeightMap w, String p) {
        long[] conv = w.get(p + "embeddings.patch_embedding.weight").shape();
        int hidden = (int) conv[0], patch = (int) conv[2];
        int positions = (int) w.get(p + "embeddings.position_embedding.weight").shape()[0];
        int grid = (int) Math.round(Math.sqrt(positions - 1));
        if (grid * grid != positions - 1) throw new ConfigException(p + "embeddings.position_embedding has " + positions + " rows, not a square grid + CLS");
        int layers = 0;
        while (w.has(p + "encoder.layers." + layers + ".layer_norm1.weight")) layers++;
        int inter = (int) w.get(p + "encoder.layers.0.mlp.fc1.weight").shape()[0];
        if (hidden % 64 != 0) throw new ConfigException("cannot infer the head count of a " + hidden + "-wide tower; put the tower folder (with its config.json) beside the model");
        return new ClipVisionConfig(hidden, inter, hidden / 64, layers, grid * patch, patch, (int) conv[1], 1e-5f, "quick_gelu");
    }

    private static MlpProjector projector(WeightMap w, String type) {
        int depth = MlpProjector.depth(type);
        List<Linear> linears = new ArrayList<>();
        if (depth == 1 && w.has("model.mm_projector.weight")) {
            linears.add(Linear.of(w.get("model.mm_projector.weight"), w.find("model.mm_projector.bias").orElse(null)));
        } else {
            for (int i = 0; i < depth; i++) {
                String n = "model.mm_projector." + (2 * i) + ".";
                linears.add(Linear.of(w.get(n + "weight"), w.find(n + "bias").orElse(null)));
            }
        }
        return new MlpProjector(linears, "gelu");
    }

    /** CLIP preprocessing at the tower's size (bicubic shortest edge, center crop, OpenAI CLIP mean/std). */
    private static ClipImageProcessor processor(int size) {
        ObjectNode pc = Json.MAPPER.createObjectNode()
                .put("do_resize", true).put("resample", 3).put("do_center_crop", true).put("do_rescale", true)
                .put("rescale_factor", 1.0 / 255).put("do_normalize", true).put("do_convert_rgb", true);
        pc.putObject("size").put("shortest_edge", size);
        pc.putObject("crop_size").put("height", size).put("width", size);
        var mean = pc.putArray("image_mean");
        for (double m : ClipImageProcessor.OPENAI_CLIP_MEAN) mean.add(m);
        var std = pc.putArray("image_std");
        for (double s : ClipImageProcessor.OPENAI_CLIP_STD) std.add(s);
        return ClipImageProcessor.fromJson(pc);
    }

    public ClipVisionTower videoTower() { return videoTower; }

    /** One image: (patches [+ CLS], text hidden) rows. */
    public float[] encodeImage(RgbImage img) {
        if (imageTower == null) throw new IllegalArgumentException("this checkpoint has no image tower (mm_image_tower)");
        float[] px = (cfg.padToSquare() ? imageProcessor.preprocessPadToSquare(img) : imageProcessor.preprocess(img)).data();
        int h = imageTower.hiddenSize();
        float[] hs = imageTower.hiddenState(px, cfg.featureLayerIndex(imageTower.numLayers()));
        float[] sel = cfg.imageKeepCls() ? hs : java.util.Arrays.copyOfRange(hs, h, hs.length);
        return projector.forward(sel, sel.length / h);
    }

    /** One video: (frames x positions, text hidden) rows, CLS kept, frames attending to each other when the tower has temporal attention. */
    public float[] encodeVideo(List<RgbImage> frames) {
        List<float[]> px = new ArrayList<>();
        for (RgbImage f : frames) px.add(videoProcessor.preprocess(f).data());
        float[] hs = videoTower.videoHiddenState(px, cfg.featureLayerIndex(videoTower.numLayers()));
        return projector.forward(hs, hs.length / videoTower.hiddenSize());
    }

    @Override public FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "video_llava_original"; }
    @Override public Capabilities capabilities() { return new Capabilities(imageTower != null, true, true, true); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }
    @Override public int preferredVideoFrames() { return videoTower.hasTemporalAttention() ? videoTower.temporalFrames() : VideoLlavaModel.FRAMES; }

    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos) {
        int im = count(prompt, IMAGE), vm = count(prompt, VIDEO);
        if (im != images.size()) throw new MediaCountException("the prompt has " + im + " " + IMAGE + " markers but " + images.size() + " images were given");
        if (vm != videos.size()) throw new MediaCountException("the prompt has " + vm + " " + VIDEO + " markers but " + videos.size() + " videos were given");
        int hidden = cfg.textConfig().hiddenSize();
        List<float[]> feats = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        StringBuilder expanded = new StringBuilder();
        int ii = 0, vi = 0;
        for (int i = 0; i < prompt.length(); ) {
            if (prompt.startsWith(IMAGE, i)) {
                float[] f = cache.image("image", images.get(ii++), this::encodeImage);
                feats.add(f);
                rows.add(f.length / hidden);
                expanded.append(IMAGE);
                i += IMAGE.length();
            } else if (prompt.startsWith(VIDEO, i)) {
                List<RgbImage> v = videos.get(vi++);
                if (v.isEmpty()) throw new IllegalArgumentException("a video with no frames was given");
                float[] f = cache.video("video", v, this::encodeVideo);
                int perFrame = f.length / v.size();
                for (int t = 0; t < v.size(); t++) {
                    feats.add(java.util.Arrays.copyOfRange(f, t * perFrame, (t + 1) * perFrame));
                    rows.add(perFrame / hidden);
                }
                expanded.append(String.join(" ", java.util.Collections.nCopies(v.size(), IMAGE)));
                i += VIDEO.length();
            } else {
                expanded.append(prompt.charAt(i++));
            }
        }
        return MultimodalPrompt.fromSentinelIds(ImagePlaceholders.tokenizerImageToken(tokenizer, expanded.toString(), IMAGE, SENTINEL),
                SENTINEL, feats, rows);
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    @Override public void close() { weights.forEach(WeightMap::close); }
}
