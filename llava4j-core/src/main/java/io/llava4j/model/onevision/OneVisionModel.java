package io.llava4j.model.onevision;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.chat.ChatTemplate;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.llm.DecoderLm;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MediaCountException;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.Capabilities;
import io.llava4j.model.ModelTemplates;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.model.llavanext.LlavaNextConfig;
import io.llava4j.nn.Linear;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.SiglipVisionTower;
import io.llava4j.vision.merge.BilinearResize;
import io.llava4j.vision.preprocess.AnyRes;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.preprocess.PilResize;
import io.llava4j.vision.projector.MlpProjector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LLaVA-OneVision (SigLIP + Qwen2), HF port:
 * <ul>
 *   <li>images: anyres over the pinpoints (base squashed to the tower size first), SigLIP hidden_states[layer]
 *       (no CLS), projector, grid re-assembled and unpadded; when it exceeds {@code anyres_max_N} tiles' worth by
 *       more than 10 % it is bilinearly downsampled; image_newline after every row; base rows first;</li>
 *   <li>videos: every frame squashed to the tower size, projected, 2x2 bilinear pooling (ceil) AFTER the
 *       projector, frames concatenated, one image_newline after the whole video.</li>
 * </ul>
 */
public final class OneVisionModel implements VisionLanguageModel {
    public static final int FRAMES = 32;

    private final String name;
    private final DecoderConfig text;
    private final int imageTokenId, videoTokenId, layer, maxTiles;
    private final List<int[]> pinpoints;
    private final WeightMap weights;
    private final TextTokenizer tokenizer;
    private final ClipImageProcessor imageProcessor, videoProcessor;
    private final SiglipVisionTower tower;
    private final MlpProjector projector;
    private final float[] newline;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final String imageToken, videoToken;

    private OneVisionModel(String name, DecoderConfig text, int imageTokenId, int videoTokenId, int layer, int maxTiles, List<int[]> pinpoints,
                           WeightMap weights, TextTokenizer tokenizer, ClipImageProcessor imageProcessor, ClipImageProcessor videoProcessor,
                           SiglipVisionTower tower, MlpProjector projector, float[] newline, DecoderLm lm, ChatTemplate template,
                           int[] stopIds, String imageToken, String videoToken) {
        this.name = name; this.text = text; this.imageTokenId = imageTokenId; this.videoTokenId = videoTokenId; this.layer = layer;
        this.maxTiles = maxTiles; this.pinpoints = pinpoints; this.weights = weights; this.tokenizer = tokenizer;
        this.imageProcessor = imageProcessor; this.videoProcessor = videoProcessor; this.tower = tower; this.projector = projector;
        this.newline = newline; this.lm = lm; this.template = template; this.stopIds = stopIds;
        this.imageToken = imageToken; this.videoToken = videoToken;
    }

    static OneVisionModel load(Path dir, JsonNode c, io.llava4j.model.LoadOptions options) {
        JsonNode tc = c.path("text_config");
        DecoderConfig text = DecoderConfig.fromJson(tc.isMissingNode() ? Json.MAPPER.createObjectNode() : tc, "qwen2");
        JsonNode vc = c.path("vision_config");
        String vtype = Json.stringField(vc, "model_type", "siglip_vision_model");
        if (!vtype.equals("siglip_vision_model")) throw new ConfigException("vision_config.model_type '" + vtype + "' is not supported for llava_onevision (siglip_vision_model)");
        ClipVisionConfig vision = ClipVisionConfig.fromSiglipJson(vc);
        String strategy = Json.stringField(c, "vision_feature_select_strategy", "full");
        if (!strategy.equals("full")) throw new ConfigException("vision_feature_select_strategy '" + strategy + "' is not supported for SigLIP towers (full)");
        int layer = Json.intField(c, "vision_feature_layer", -1, -(vision.numLayers() + 1), vision.numLayers());
        String aspect = Json.stringField(c, "vision_aspect_ratio", "anyres_max_9");
        if (!aspect.matches("anyres_max_\\d+")) throw new ConfigException("vision_aspect_ratio '" + aspect + "' is not supported (anyres_max_N)");
        int maxTiles = Integer.parseInt(aspect.substring("anyres_max_".length()));
        WeightMap w = options.open(dir);
        try {
            boolean newer = w.has("model.language_model.embed_tokens.weight");
            String root = newer ? "model." : "";
            int idx = layer < 0 ? vision.numLayers() + 1 + layer : layer;
            SiglipVisionTower tower = new SiglipVisionTower(vision, w, root + "vision_tower.vision_model.", idx);
            MlpProjector projector = new MlpProjector(List.of(
                    Linear.of(w.get(root + "multi_modal_projector.linear_1.weight"), w.get(root + "multi_modal_projector.linear_1.bias")),
                    Linear.of(w.get(root + "multi_modal_projector.linear_2.weight"), w.get(root + "multi_modal_projector.linear_2.bias"))),
                    Json.stringField(c, "projector_hidden_act", "gelu"));
            float[] newline = w.get(root + "image_newline").requireShape(text.hiddenSize()).toFloatArray();
            DecoderLm lm = new DecoderLm(text, w, newer ? "model.language_model." : "language_model.model.",
                    newer ? "lm_head.weight" : "language_model.lm_head.weight");
            TextTokenizer tok = Tokenizers.load(dir);
            JsonNode pc = Json.readOptional(dir.resolve("processor_config.json"));
            String imageToken = Json.stringField(pc, "image_token", "<image>"), videoToken = Json.stringField(pc, "video_token", "<video>");
            int imageId = Json.intField(c, "image_token_index", 151646, 0, text.vocabSize() - 1);
            int videoId = Json.intField(c, "video_token_index", 151647, 0, text.vocabSize() - 1);
            check(tok, imageToken, imageId);
            check(tok, videoToken, videoId);
            ClipImageProcessor ip = ClipImageProcessor.load(dir.resolve("preprocessor_config.json"));
            Path vp = dir.resolve("video_processor/preprocessor_config.json");
            ClipImageProcessor vproc = Files.isRegularFile(vp) ? ClipImageProcessor.load(vp) : ip;
            return new OneVisionModel(dir.getFileName().toString(), text, imageId, videoId, layer, maxTiles, pinpointsOf(c), w, tok, ip, vproc,
                    tower, projector, newline, lm, ModelTemplates.forModel(dir, "qwen_1_5"), ModelTemplates.stopTokenIds(dir, tok),
                    imageToken, videoToken);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static List<int[]> pinpointsOf(JsonNode c) {
        // same field and format as LLaVA-NeXT
        return LlavaNextConfig.fromJsonPinpoints(c);
    }

    private static void check(TextTokenizer tok, String token, int id) {
        int got = tok.tokenId(token).orElseThrow(() -> new ConfigException("the tokenizer has no '" + token + "' token"));
        if (got != id) throw new ConfigException("tokenizer id of " + token + " is " + got + " but the config says " + id);
    }

    /** Projected features of one tile/frame: (patches, hidden). */
    private float[] projectTile(float[] pixels) {
        float[] hs = tower.hiddenState(pixels, layer);
        return projector.forward(hs, hs.length / tower.hiddenSize());
    }

    /** One image: (rows, hidden) — base, then the (possibly downsampled) unpadded grid with newlines. */
    public float[] encodeImage(RgbImage img) {
        int side = tower.grid(), hid = text.hiddenSize(), tile = tower.inputSize();
        var cfg = imageProcessor.config();
        int baseH = cfg.shortestEdge() > 0 ? cfg.shortestEdge() : cfg.resizeHeight(), baseW = cfg.shortestEdge() > 0 ? cfg.shortestEdge() : cfg.resizeWidth();
        List<RgbImage> tiles = AnyRes.tiles(img, pinpoints, tile, baseH, baseW, cfg.resample());
        List<float[]> proj = new ArrayList<>();
        for (RgbImage t : tiles) proj.add(projectTile(imageProcessor.preprocess(t).data()));
        float[] base = proj.getFirst();
        if (proj.size() == 1) return concat(base, newline);
        int[] g = AnyRes.gridShape(img.height(), img.width(), pinpoints, tile);
        int curH = g[0] * side, curW = g[1] * side;
        float[] grid = new float[curH * curW * hid];
        for (int y = 0; y < curH; y++)
            for (int x = 0; x < curW; x++)
                System.arraycopy(proj.get(1 + (y / side) * g[1] + x / side), ((y % side) * side + x % side) * hid, grid, (y * curW + x) * hid, hid);
        int[] b = AnyRes.unpadBounds(curH, curW, img.height(), img.width());
        int h = b[1] - b[0], w = b[3] - b[2];
        float[] un = new float[h * w * hid];
        for (int y = 0; y < h; y++) System.arraycopy(grid, ((y + b[0]) * curW + b[2]) * hid, un, y * w * hid, w * hid);
        double ratio = Math.sqrt((double) h * w / (maxTiles * side * side));
        if (ratio > 1.1) {
            int nh = (int) Math.floor(h / ratio), nw = (int) Math.floor(w / ratio);
            un = BilinearResize.resize(un, h, w, hid, nh, nw);
            h = nh;
            w = nw;
        }
        float[] out = new float[base.length + h * (w + 1) * hid];
        System.arraycopy(base, 0, out, 0, base.length);
        int o = base.length;
        for (int y = 0; y < h; y++) {
            System.arraycopy(un, y * w * hid, out, o, w * hid);
            o += w * hid;
            System.arraycopy(newline, 0, out, o, hid);
            o += hid;
        }
        return out;
    }

    /** One video: frames x ceil(side/2)^2 rows, then one newline. */
    public float[] encodeVideo(List<RgbImage> frames) {
        int side = tower.grid(), hid = text.hiddenSize(), ps = (side + 1) / 2;
        float[] out = new float[(frames.size() * ps * ps + 1) * hid];
        for (int f = 0; f < frames.size(); f++) {
            float[] p = projectTile(videoProcessor.preprocess(frames.get(f)).data());
            System.arraycopy(BilinearResize.resize(p, side, side, hid, ps, ps), 0, out, f * ps * ps * hid, ps * ps * hid);
        }
        System.arraycopy(newline, 0, out, frames.size() * ps * ps * hid, hid);
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] o = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }

    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "llava_onevision"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, true, true, true); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }
    @Override public int preferredVideoFrames() { return FRAMES; }

    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> imgs, List<List<RgbImage>> videos) {
        int im = count(prompt, imageToken), vm = count(prompt, videoToken);
        if (im != imgs.size() || vm != videos.size()) {
            throw new MediaCountException("the prompt has " + im + " " + imageToken + " and " + vm + " " + videoToken
                    + " markers but " + imgs.size() + " images and " + videos.size() + " videos were given");
        }
        List<float[]> imgF = new ArrayList<>(), vidF = new ArrayList<>();
        List<Integer> imgR = new ArrayList<>(), vidR = new ArrayList<>();
        StringBuilder expanded = new StringBuilder();
        int ii = 0, vi = 0, hid = text.hiddenSize();
        for (int i = 0; i < prompt.length(); ) {
            if (prompt.startsWith(imageToken, i)) {
                float[] f = cache.image("image", imgs.get(ii++), this::encodeImage);
                imgF.add(f);
                imgR.add(f.length / hid);
                expanded.append(imageToken.repeat(f.length / hid));
                i += imageToken.length();
            } else if (prompt.startsWith(videoToken, i)) {
                List<RgbImage> frames = videos.get(vi++);
                if (frames.isEmpty()) throw new IllegalArgumentException("a video with no frames was given");
                float[] f = cache.video("video", frames, this::encodeVideo);
                vidF.add(f);
                vidR.add(f.length / hid);
                expanded.append(videoToken.repeat(f.length / hid));
                i += videoToken.length();
            } else expanded.append(prompt.charAt(i++));
        }
        int[] ids = tokenizer.encode(expanded.toString(), true);
        return MultimodalPrompt.fromExpandedIds(ids, Map.of(
                imageTokenId, new MultimodalPrompt.Placeholder("Image", imgF, imgR),
                videoTokenId, new MultimodalPrompt.Placeholder("Video", vidF, vidR)));
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    @Override public void close() { weights.close(); }
}
