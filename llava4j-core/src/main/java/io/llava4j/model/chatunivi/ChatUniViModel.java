package io.llava4j.model.chatunivi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.chat.ChatTemplate;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderLm;
import io.llava4j.media.FrameSampler;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MediaCountException;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.mm.PromptChunk;
import io.llava4j.model.Capabilities;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelLocator;
import io.llava4j.model.ModelTemplates;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.model.llava.LlavaConfig;
import io.llava4j.model.llava.LlavaTowers;
import io.llava4j.model.llava.LlavaWeightNames;
import io.llava4j.nn.Linear;
import io.llava4j.tokenizer.ImagePlaceholders;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.encoder.VisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chat-UniVi: CLIP features (CLS dropped) merged by {@link ChatUniViClustering} (images: 64 + 32 + 16 tokens; videos:
 * temporal events, then the same per event) and projected by ONE Linear. In the prompt an image is one -200 sentinel
 * and a video is one -200 per frame; as upstream, a run of more than two consecutive sentinels is a video.
 * The clustering noise comes from a torch-compatible generator seeded with 0 for every request (deterministic).
 */
public final class ChatUniViModel implements VisionLanguageModel {
    public static final int MAX_FRAMES = 64;

    private final String name;
    private final LlavaConfig cfg;
    private final List<WeightMap> weights;
    private final TextTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final VisionTower tower;
    private final Linear projector;
    private final ChatUniViClustering clustering;
    private final DecoderLm lm;
    private final ChatTemplate template;
    private final int[] stopIds;
    private long noiseSeed = 0;

    private ChatUniViModel(String name, LlavaConfig cfg, List<WeightMap> weights, TextTokenizer tokenizer, ClipImageProcessor processor,
                           VisionTower tower, Linear projector, ChatUniViClustering clustering, DecoderLm lm, ChatTemplate template, int[] stopIds) {
        this.name = name; this.cfg = cfg; this.weights = weights; this.tokenizer = tokenizer; this.processor = processor;
        this.tower = tower; this.projector = projector; this.clustering = clustering; this.lm = lm; this.template = template; this.stopIds = stopIds;
    }

    static ChatUniViModel load(Path dir, JsonNode c, LoadOptions options) {
        JsonNode cc = c.path("config");
        if (!Json.boolField(cc, "use_cluster", true)) throw new ConfigException("config.use_cluster=false (mean pooling) is not supported");
        ChatUniViClustering clustering = new ChatUniViClustering(
                Json.doubleField(cc, "spatial_cluster_rate0", 64, 0, 1e6), Json.doubleField(cc, "spatial_cluster_rate1", 32, 0, 1e6),
                Json.doubleField(cc, "spatial_cluster_rate2", 16, 0, 1e6), Json.doubleField(cc, "temporal_cluster_rate", 1.0 / 16, 0, 1e6));
        ObjectNode asLlava = ((ObjectNode) c.deepCopy()).put("model_type", "llava_llama").put("mm_projector_type", "linear");
        asLlava.remove("mm_patch_merge_type");
        LlavaConfig cfg = LlavaConfig.fromJson(asLlava);
        List<WeightMap> opened = new ArrayList<>();
        try {
            WeightMap w = options.open(dir);
            opened.add(w);
            LlavaWeightNames names = LlavaWeightNames.detect(w, 1);
            Path towerDir = ModelLocator.resolve(options.visionTower() != null ? options.visionTower() : cfg.mmVisionTower(), dir);
            WeightMap tw = w;
            if (names.visionPrefix() == null) { tw = Checkpoints.open(towerDir); opened.add(tw); }
            LlavaTowers.Loaded t = LlavaTowers.load(towerDir, cfg, tw, names.visionPrefix());
            String p = names.projector()[0];
            Linear projector = Linear.of(w.get(p + ".weight"), w.find(p + ".bias").orElse(null));
            if (projector.in() != t.tower().hiddenSize()) throw new ConfigException("projector takes " + projector.in() + " features, the tower gives " + t.tower().hiddenSize());
            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, names.decoderPrefix(), names.lmHead());
            TextTokenizer tok = Tokenizers.load(dir);
            return new ChatUniViModel(dir.getFileName().toString(), cfg, List.copyOf(opened), tok, t.processor(), t.tower(), projector,
                    clustering, lm, ModelTemplates.forModel(dir, "chatunivi_v1"), ModelTemplates.stopTokenIds(dir, tok));
        } catch (RuntimeException e) {
            opened.forEach(WeightMap::close);
            throw e;
        }
    }

    /** Seed of the clustering noise (torch.manual_seed equivalent); 0 by default. */
    public void setNoiseSeed(long seed) { this.noiseSeed = seed; }

    private float[] features(RgbImage img) {
        float[] hs = tower.hiddenState(processor.preprocess(img).data(), cfg.visionFeatureLayer());
        return cfg.keepCls() ? hs : Arrays.copyOfRange(hs, tower.hiddenSize(), hs.length);
    }

    private float[] project(float[] tokens) { return projector.forward(tokens, tokens.length / projector.in()); }

    /** Caches the tower features only: the clustering (seeded noise) and projector run every time. */
    private final io.llava4j.mm.FeatureCache cache = new io.llava4j.mm.FeatureCache();

    @Override public io.llava4j.mm.FeatureCache featureCache() { return cache; }
    @Override public String name() { return name; }
    @Override public String family() { return "chatunivi"; }
    @Override public Capabilities capabilities() { return new Capabilities(true, true, true, false); }
    @Override public TextTokenizer tokenizer() { return tokenizer; }
    @Override public DecoderLm languageModel() { return lm; }
    @Override public ChatTemplate chatTemplate() { return template; }
    @Override public int[] stopTokenIds() { return stopIds.clone(); }
    @Override public int preferredVideoFrames() { return MAX_FRAMES; }
    @Override public FrameSampler frameSampler() { return FrameSampler.perSecond(1, MAX_FRAMES); }

    /** Images: one {@code <image>} each; videos: one {@code <video>} each, expanded to one sentinel per frame. */
    @Override
    public MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos) {
        int im = count(prompt, "<image>"), vm = count(prompt, "<video>");
        if (im != images.size() || vm != videos.size()) {
            throw new MediaCountException("the prompt has " + im + " <image> and " + vm + " <video> markers but " + images.size()
                    + " images and " + videos.size() + " videos were given");
        }
        if (!videos.isEmpty() && !images.isEmpty()) throw new IllegalArgumentException("Chat-UniVi takes images or one video per prompt, not both");
        if (videos.size() > 1) throw new IllegalArgumentException("Chat-UniVi takes one video per prompt (its splicing handles a single run of frames)");
        for (RgbImage i : images) if (i == null) throw new IllegalArgumentException("null image");
        String text = prompt;
        if (!videos.isEmpty()) {
            if (videos.getFirst().size() < 3) throw new IllegalArgumentException("a Chat-UniVi video needs at least 3 frames, got " + videos.getFirst().size());
            text = text.replace("<video>", "<image>".repeat(videos.getFirst().size()));
        }
        int[] ids = ImagePlaceholders.tokenizerImageToken(tokenizer, text, "<image>", LlavaConfig.IMAGE_SENTINEL);
        ChatUniViClustering.Noise noise = ChatUniViClustering.torchNoise(noiseSeed);
        List<PromptChunk> chunks = new ArrayList<>();
        int c = tower.hiddenSize(), img = 0;
        for (int i = 0; i < ids.length; ) {
            if (ids[i] != LlavaConfig.IMAGE_SENTINEL) {
                int j = i;
                while (j < ids.length && ids[j] != LlavaConfig.IMAGE_SENTINEL) j++;
                chunks.add(new PromptChunk.Text(Arrays.copyOfRange(ids, i, j)));
                i = j;
                continue;
            }
            int j = i;
            while (j < ids.length && ids[j] == LlavaConfig.IMAGE_SENTINEL) j++;
            if (j - i > 2) {
                List<RgbImage> frames = videos.getFirst();
                int n = tower.numPatches() + (cfg.keepCls() ? 1 : 0);
                float[] all = new float[frames.size() * n * c];
                for (int f = 0; f < frames.size(); f++) System.arraycopy(cache.image("features", frames.get(f), this::features), 0, all, f * n * c, n * c);
                float[] merged = clustering.video(all, frames.size(), n, c, noise, null).tokens();
                float[] rows = project(merged);
                chunks.add(new PromptChunk.Media(rows, rows.length / projector.out(), LlavaConfig.IMAGE_SENTINEL));
            } else {
                for (int k = i; k < j; k++) {
                    float[] f = cache.image("features", images.get(img++), this::features);
                    float[] rows = project(clustering.image(f, f.length / c, c, noise, null));
                    chunks.add(new PromptChunk.Media(rows, rows.length / projector.out(), LlavaConfig.IMAGE_SENTINEL));
                }
            }
            i = j;
        }
        return new MultimodalPrompt(ids, chunks);
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    @Override public void close() { weights.forEach(WeightMap::close); }
}
