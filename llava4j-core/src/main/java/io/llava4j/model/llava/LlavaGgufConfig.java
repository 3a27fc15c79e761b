package io.llava4j.model.llava;

import io.llava4j.config.ConfigException;
import io.llava4j.format.gguf.GgufFile;
import io.llava4j.format.gguf.GgufValue;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.preprocess.PilResize;

import java.util.List;

/**
 * LLaVA-1.5 hyper-parameters from a GGUF pair's metadata instead of config.json (llama.cpp's names):
 * <ul>
 *   <li>text ({@code <arch>.*}, arch = general.architecture): context_length, embedding_length, block_count,
 *       feed_forward_length, attention.head_count(_kv), attention.key_length (else embedding / heads),
 *       attention.layer_norm_rms_epsilon, rope.freq_base, vocab_size (else the token list's length);
 *       biases and a tied head are seen from the tensors;</li>
 *   <li>vision ({@code clip.*}): vision.image_size, patch_size, embedding_length, feed_forward_length,
 *       attention.head_count, attention.layer_norm_epsilon, block_count, image_mean / image_std, use_gelu
 *       (else quick_gelu), projector_type (mlp), vision.feature_layer, vision.image_aspect_ratio.</li>
 * </ul>
 */
final class LlavaGgufConfig {
    private LlavaGgufConfig() {}

    static DecoderConfig text(GgufFile f) {
        String arch = f.architecture();
        String type = switch (arch) {
            case "llama", "mistral" -> arch;
            case "qwen2" -> "qwen2";
            default -> throw new ConfigException(f.path() + ": text architecture '" + arch + "' is not supported (llama, mistral, qwen2)");
        };
        int hidden = u32(f, arch + ".embedding_length");
        int heads = u32(f, arch + ".attention.head_count");
        int kv = opt(f, arch + ".attention.head_count_kv", heads);
        int vocab = f.meta(arch + ".vocab_size").map(v -> (int) v.asLong())
                .orElseGet(() -> f.meta("tokenizer.ggml.tokens").map(v -> v.asList().size())
                        .orElseGet(() -> (int) f.tensorInfos().get("token_embd.weight").shape()[0]));
        return new DecoderConfig(type, hidden, u32(f, arch + ".feed_forward_length"), u32(f, arch + ".block_count"), heads, kv,
                opt(f, arch + ".attention.key_length", hidden / heads),
                (float) num(f, arch + ".attention.layer_norm_rms_epsilon", 1e-6),
                num(f, arch + ".rope.freq_base", 10000),
                vocab, opt(f, arch + ".context_length", 2048),
                f.tensorInfos().containsKey("blk.0.attn_q.bias"),
                !f.tensorInfos().containsKey("output.weight"),
                opt(f, arch + ".attention.sliding_window", 0), "silu");
    }

    static ClipVisionConfig vision(GgufFile v) {
        String projector = v.meta("clip.projector_type").map(GgufValue::asString).orElse("mlp");
        if (!projector.equals("mlp")) throw new ConfigException(v.path() + ": clip.projector_type '" + projector + "' is not supported (mlp)");
        if (v.meta("clip.vision.image_grid_pinpoints").isPresent() || v.meta("clip.vision.mm_patch_merge_type").map(GgufValue::asString).orElse("flat").equals("spatial_unpad")) {
            throw new ConfigException(v.path() + ": a LLaVA-NeXT (anyres) mmproj is not supported from GGUF yet (LLaVA-1.5 only)");
        }
        String act = v.meta("clip.use_gelu").map(x -> x.asLong() != 0).orElse(false) ? "gelu" : "quick_gelu";
        if (v.meta("clip.use_silu").map(x -> x.asLong() != 0).orElse(false)) throw new ConfigException(v.path() + ": clip.use_silu is not supported (CLIP uses quick_gelu or gelu)");
        return new ClipVisionConfig(u32(v, "clip.vision.embedding_length"), u32(v, "clip.vision.feed_forward_length"),
                u32(v, "clip.vision.attention.head_count"), u32(v, "clip.vision.block_count"),
                u32(v, "clip.vision.image_size"), u32(v, "clip.vision.patch_size"), 3,
                (float) num(v, "clip.vision.attention.layer_norm_epsilon", 1e-5), act);
    }

    /**
     * hidden_states index of the features the projector takes: {@code clip.vision.feature_layer} when present (one
     * non-negative index, as transformers counts: 0 = the embeddings); else every stored block when the file is
     * llava's legacy conversion ({@code clip.has_llava_projector}: the blocks after the feature layer were dropped),
     * else all but the last block (newer converters keep the whole tower; LLaVA takes the second to last).
     */
    static int featureLayerIndex(GgufFile v, int blocks) {
        var fl = v.meta("clip.vision.feature_layer");
        if (fl.isPresent()) {
            List<Object> l = fl.get().asList();
            if (l.size() != 1) throw new ConfigException(v.path() + ": clip.vision.feature_layer " + l + ": only one feature layer is supported");
            int i = ((Number) l.getFirst()).intValue();
            if (i < 0 || i > blocks) throw new ConfigException(v.path() + ": clip.vision.feature_layer " + i + " is outside 0.." + blocks);
            return i;
        }
        boolean legacy = v.meta("clip.has_llava_projector").map(x -> x.asLong() != 0).orElse(false);
        return legacy ? blocks : blocks - 1;
    }

    /**
     * Whether images are padded to a square with the mean colour first: {@code clip.vision.image_aspect_ratio} "pad"
     * (the original LLaVA-1.5 and llama.cpp's default when the key is absent); any other value means the CLIP
     * processor alone (resize the short side, centre crop), as the HF checkpoints do.
     */
    static boolean padToSquare(GgufFile v) {
        return v.meta("clip.vision.image_aspect_ratio").map(GgufValue::asString).orElse("pad").equals("pad");
    }

    /** CLIPImageProcessor settings: shortest edge and crop = image_size, bicubic, 1/255, the file's mean / std. */
    static ClipImageProcessor.Config processor(GgufFile v) {
        int size = u32(v, "clip.vision.image_size");
        return new ClipImageProcessor.Config(true, size, 0, 0, PilResize.Filter.BICUBIC, true, size, size, true, 1.0 / 255, true,
                triple(v, "clip.vision.image_mean", ClipImageProcessor.OPENAI_CLIP_MEAN), triple(v, "clip.vision.image_std", ClipImageProcessor.OPENAI_CLIP_STD));
    }

    /** "mlp2x_gelu" for mm.0 + mm.2, "linear" for mm.0 alone (the projector depth counted from the tensors). */
    static String projectorType(GgufFile v) {
        int depth = 0;
        while (v.tensorInfos().containsKey("mm." + 2 * depth + ".weight")) depth++;
        if (depth == 0) throw new ConfigException(v.path() + ": no projector tensors (mm.0.weight)");
        return depth == 1 ? "linear" : "mlp" + depth + "x_gelu";
    }

    private static double[] triple(GgufFile v, String key, double[] dflt) {
        var m = v.meta(key);
        if (m.isEmpty()) return dflt.clone();
        List<Object> l = m.get().asList();
        if (l.size() != 3) throw new ConfigException(v.path() + ": " + key + " has " + l.size() + " values, expected 3");
        return new double[] {((Number) l.get(0)).doubleValue(), ((Number) l.get(1)).doubleValue(), ((Number) l.get(2)).doubleValue()};
    }

    private static int u32(GgufFile f, String key) {
        long v = f.metaLong(key);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new ConfigException(f.path() + ": metadata " + key + " = " + v + " is out of range");
        return (int) v;
    }

    private static int opt(GgufFile f, String key, int dflt) {
        return f.meta(key).isPresent() ? (int) f.metaLong(key) : dflt;
    }

    private static double num(GgufFile f, String key, double dflt) {
        return f.meta(key).map(GgufValue::asDouble).orElse(dflt);
    }
}
