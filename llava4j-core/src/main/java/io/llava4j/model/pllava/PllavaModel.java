package io.llava4j.model.pllava;

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
import io.llava4j.nn.Linear;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.merge.AdaptiveAvgPool3d;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.projector.MlpProjector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PLLaVA: CLIP features of every frame (CLS dropped) -> projector FIRST -> adaptive 3-D average pooling over
 * (T, H, W) to {@code pooling_shape} -> (t*h*w, hidden) rows in (t, h, w) order replacing ONE {@code <image>} token.
 * A video with fewer than num_frames frames is repeat-interleaved then truncated (as upstream); an image is
 * repeated num_frames times (the path upstream intends; its own code divides by zero there).
 */
public final class PllavaModel implements VisionLanguageModel {
    private final String name;
    private final DecoderConfig text;
    private final int imageTokenId, layer, numFrames;
    private final int[] frameShape, poolingShape;
    private final WeightMap weights;
    private final TextTokenizer tokenizer;
    private final ClipImageProcessor clip;
    private final PllavaVideoProcessor videoProcessor;
    private final ClipVisionTower tower;
    private final MlpProjector projector;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private final String imageToken;

    private PllavaModel(String name, DecoderConfig text, int imageTokenId, int layer, int numFrames, int[] frameShape, int[] poolingShape,
                        WeightMap weights, TextTokenizer tokenizer, ClipImageProcessor clip, ClipVisionTower tower, MlpProjector projector,
                        DecoderLm lm, ChatTemplate template, int[] stopIds, String imageToken) {
        this.name = name; this.text = text; this.imageTokenId = imageTokenId; this.layer = layer; this.numFrames = numFrames;
        this.frameShape = frameShape; this.poolingShape = poolingShape; this.weights = weights; this.tokenizer = tokenizer;
        this.clip = clip; this.videoProcessor = new PllavaVideoProcessor(clip); this.tower = tower; this.projector = projector;
        this.lm = lm; this.template = template; this.stopIds = stopIds; this.imageToken = imageToken;
    }

    static PllavaModel load(Path dir, JsonNode c, io.llava4j.model.LoadOptions options) {
        JsonNode tc = c.path("text_config");
        DecoderConfig text = DecoderConfig.fromJson(tc.isMissingNode() ? Json.MAPPER.createObjectNode() : tc, "llama");
        ClipVisionConfig vision = c.has("vision_config") ? ClipVisionConfig.fromJson(c.get("vision_config")) : ClipVisionConfig.llavaDefault();
        String strategy = Json.stringField(c, "vision_feature_select_strategy", "default");
        if (!strategy.equals("default")) throw new ConfigException("vision_feature_select_strategy '" + strategy + "' is not supported by PLLaVA (default)");
        if (!Json.stringField(c, "pooling_method", "avg").equals("avg")) throw new ConfigException("pooling_method '" + c.get("pooling_method") + "' is not supported (avg)");
        if (!Json.boolField(c, "use_pooling", true)) throw new ConfigException("use_pooling=false is not supported");
        int[] frameShape = ints(c, "frame_shape", new int[] {24, 24}, 2);
        int[] pooling = ints(c, "pooling_shape", new int[] {8, 16, 16}, 3);
        if (frameShape[0] * frameShape[1] != vision.numPatches()) {
            throw new ConfigException("frame_shape " + frameShape[0] + "x" + frameShape[1] + " does not match the tower's " + vision.numPatches() + " patches");
        }
        int layer = Json.intField(c, "vision_feature_layer", -2, -(vision.numLayers() + 1), vision.numLayers());
        int numFrames = Json.intField(c, "num_frames", 1, 1, 4096);
        WeightMap w = options.open(dir);
        try {
            int idx = layer < 0 ? vision.numLayers() + 1 + layer : layer;
            ClipVisionTower tower = new ClipVisionTower(vision, w, "vision_tower.vision_model.", idx);
            MlpProjector projector = new MlpProjector(List.of(
                    Linear.of(w.get("multi_modal_projector.linear_1.weight"), w.get("multi_modal_projector.linear_1.bias")),
                    Linear.of(w.get("multi_modal_projector.linear_2.weight"), w.get("multi_modal_projector.linear_2.bias"))),
                    Json.stringField(c, "projector_hidden_act", "gelu"));
            // PLLaVA checkpoints keep their q/v LoRA unmerged; its eval/demo scripts load it with lora_alpha = 4.
            DecoderLm lm = new DecoderLm(text, w, "language_model.model.", "language_model.lm_head.weight", options.adapter(w, 4.0));
            TextTokenizer tok = Tokenizers.load(dir);
            int imageId = Json.intField(c, "image_token_index", 32000, 0, text.vocabSize() - 1);
            String imageToken = tok.token(imageId);
            return new PllavaModel(dir.getFileName().toString(), text, imageId, layer, numFrames, frameShape, pooling, w, tok,
                    ClipImageProcessor.load(dir.resolve("preprocessor_config.json")), tower, projector, lm,
                    ModelTemplates.forModel(dir, "conv_plain_v1"), ModelTemplates.stopTokenIds(dir, tok), imageToken);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static int[] ints(JsonNode c, String key, int[] dflt, int n) {
        JsonNode a = c.get(key);
        if (a == null || a.isNull()) return dflt;
        if (!a.isArray() || a.size() != n) throw new ConfigException("config field '" + key + "' must be a list of " + n + " integers, got " + a);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (!a.get(i).canConvertToInt() || a.get(i).asInt() < 1) throw new ConfigException("config field '" + key + "' has a bad value " + a);
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    /** Tower features of frames (pixels given), projected then pooled: (t*h*w, hidden). */
    float[] encodeFrames(List<float[]> framePixels) {
        int h = tower.hiddenSize(), hw = frameShape[0] * frameShape[1];
        List<float[]> feats = new ArrayList<>();
        for (float[] px : framePixels) {
            float[] hs = tower.hiddenState(px, layer);
            feats.add(java.util.Arrays.copyOfRange(hs, h, hs.length));
        }
        int total = feats.size();
        if (total < numFrames) {
            // repeat_interleave(int(num_frames / total) + 1)[:num_frames]
            int mult = numFrames / total + 1;
            List<float[]> rep = new ArrayList<>();
            for (float[] f : feats) for (int r = 0; r < mult && rep.size() < numFrames; r++) rep.add(f);
            feats = rep;
        } else if (total != numFrames) {
            throw new IllegalArgumentException("PLLaVA takes " + numFrames + " frames per video, got " + total + " (sample " + numFrames + " frames)");
        }
        int d = text.hiddenSize();
        float[] proj = new float[numFrames * hw * d];
        for (int f = 0; f < numFrames; f++) System.arraycopy(projector.forward(feats.get(f), hw), 0, proj, f * hw * d, hw * d);
        return AdaptiveAvgPool3d.pool(proj, numFrames, frameShape[0], frameShape[1], d, poolingShape[0], poolingShape[1], poolingShape[2]);
    }

    public float[] encodeVideo(List<RgbImage> frames) {
        return encodeFrames(videoProcessor.process(List.of(frames)).getFirst());
    }

    public float[] encodeImage(RgbImage img) {
        float[] px = clip.preprocess(img).data();
        List<float[]> rep = new ArrayList<>();
        for (int i = 0; i < numFrames; i++) rep.add(px);
        return encodeFrames(rep);
    }

    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "pllava"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, true, false, false); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }
    @Override public int preferredVideoFrames() { return numFrames; }
    @Override public io.llava4j.media.FrameSampler frameSampler() { return io.llava4j.media.FrameSampler.segmentMiddles(numFrames); }
    @Override public String videoMarker() { return imageToken; }

    /** Media (images, then videos, in marker order of kind) each replace one {@code <image>} marker. */
    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos) {
        int markers = 0;
        for (int i = prompt.indexOf(imageToken); i >= 0; i = prompt.indexOf(imageToken, i + imageToken.length())) markers++;
        int media = images.size() + videos.size();
        if (markers != media) {
            throw new MediaCountException("the prompt has " + markers + " " + imageToken + " markers but " + media
                    + " media were given (PLLaVA marks images and videos alike with " + imageToken + ")");
        }
        List<float[]> feats = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int per = poolingShape[0] * poolingShape[1] * poolingShape[2];
        for (RgbImage img : images) { feats.add(cache.image("image", img, this::encodeImage)); rows.add(per); }
        if (!videos.isEmpty()) {
            for (List<RgbImage> v : videos) if (v.isEmpty()) throw new IllegalArgumentException("a video with no frames was given");
            for (List<float[]> px : videoProcessor.process(videos)) { feats.add(encodeFrames(px)); rows.add(per); }
        }
        int[] ids = tokenizer.encode(prompt, true);
        return MultimodalPrompt.fromSentinelIds(ids, imageTokenId, feats, rows);
    }

    @Override public void close() { weights.close(); }
}
