package io.llava4j.vision.encoder;

import io.llava4j.format.WeightMap;
import io.llava4j.kernels.Activations;
import io.llava4j.nn.Attention;
import io.llava4j.nn.LayerNorm;
import io.llava4j.nn.Linear;
import io.llava4j.tensor.Tensor;

/**
 * CLIP ViT image encoder (HF CLIPVisionTransformer): patch conv (no bias) -> prepend CLS -> + position
 * embeddings -> pre_layrnorm -> pre-norm blocks. Returns hidden_states[layer] (CLS included); the caller
 * selects patches. post_layernorm is never applied to hidden states (LLaVA does not use it).
 *
 * <p>LanguageBind's video tower (original Video-LLaVA checkpoints) adds, when its weights are present
 * ({@code encoder.layers.N.temporal_attn.*}), temporal attention BEFORE each spatial block
 * ({@code video/modeling_video.py#CLIPEncoderLayer} with {@code add_time_attn}): a learned
 * {@code temporal_embedding (1, T, hidden)} added to every token by frame, then
 * {@code x += temporal_attn(temporal_layer_norm1(x))} where attention runs over the T frames of each token
 * position (no MLP). {@link #videoHiddenState} runs all frames of a clip together for that.
 */
public final class ClipVisionTower implements VisionTower {

    /** One pre-norm transformer block: x += attn(ln1(x)); x += mlp(ln2(x)). */
    record Block(LayerNorm ln1, Linear q, Linear k, Linear v, Linear o, LayerNorm ln2, Linear fc1, Linear fc2) {}

    /** LanguageBind's temporal attention of one layer: embedding (frames, hidden), its LayerNorm and attention. */
    record Temporal(float[] embedding, int frames, LayerNorm ln, Linear q, Linear k, Linear v, Linear o) {}

    private final ClipVisionConfig cfg;
    private final Tensor patchEmbedding;   // (hidden, channels*patch*patch) view of the (hidden, C, P, P) conv weight
    private final float[] classEmbedding;  // (hidden)
    private final float[] positionEmbedding; // (positions, hidden)
    private final LayerNorm preLayerNorm;
    private final Block[] blocks;
    private final Temporal[] temporal; // per block, null when the tower has no temporal attention

    /**
     * @param w      weights
     * @param prefix name prefix up to and including "vision_model." (e.g. "vision_tower.vision_model.")
     * @param layersNeeded how many blocks to load (hidden_states index of the deepest layer used)
     */
    public ClipVisionTower(ClipVisionConfig cfg, WeightMap w, String prefix, int layersNeeded) {
        this.cfg = cfg;
        int h = cfg.hiddenSize(), c = cfg.numChannels(), p = cfg.patchSize();
        Tensor conv = w.get(prefix + "embeddings.patch_embedding.weight").requireShape(h, c, p, p);
        this.patchEmbedding = new Tensor(conv.name(), conv.dtype(), new long[] {h, (long) c * p * p}, conv.data());
        this.classEmbedding = w.get(prefix + "embeddings.class_embedding").requireShape(h).toFloatArray();
        this.positionEmbedding = w.get(prefix + "embeddings.position_embedding.weight")
                .requireShape(cfg.numPositions(), h).toFloatArray();
        float eps = cfg.layerNormEps();
        this.preLayerNorm = LayerNorm.of(w.get(prefix + "pre_layrnorm.weight"), w.get(prefix + "pre_layrnorm.bias"), eps);
        this.blocks = new Block[layersNeeded];
        boolean hasTemporal = w.has(prefix + "encoder.layers.0.temporal_attn.q_proj.weight");
        this.temporal = hasTemporal ? new Temporal[layersNeeded] : null;
        for (int l = 0; l < layersNeeded; l++) {
            String b = prefix + "encoder.layers." + l + ".";
            if (hasTemporal) {
                Tensor emb = w.get(b + "temporal_embedding");
                if (emb.shape().length != 3 || emb.shape()[0] != 1 || emb.shape()[2] != h) {
                    throw new io.llava4j.config.ConfigException(b + "temporal_embedding has shape " + java.util.Arrays.toString(emb.shape()) + ", expected (1, frames, " + h + ")");
                }
                temporal[l] = new Temporal(emb.toFloatArray(), (int) emb.shape()[1],
                        LayerNorm.of(w.get(b + "temporal_layer_norm1.weight"), w.get(b + "temporal_layer_norm1.bias"), eps),
                        lin(w, b + "temporal_attn.q_proj", h, h), lin(w, b + "temporal_attn.k_proj", h, h),
                        lin(w, b + "temporal_attn.v_proj", h, h), lin(w, b + "temporal_attn.out_proj", h, h));
            }
            blocks[l] = new Block(
                    LayerNorm.of(w.get(b + "layer_norm1.weight"), w.get(b + "layer_norm1.bias"), eps),
                    lin(w, b + "self_attn.q_proj", h, h), lin(w, b + "self_attn.k_proj", h, h),
                    lin(w, b + "self_attn.v_proj", h, h), lin(w, b + "self_attn.out_proj", h, h),
                    LayerNorm.of(w.get(b + "layer_norm2.weight"), w.get(b + "layer_norm2.bias"), eps),
                    lin(w, b + "mlp.fc1", cfg.intermediateSize(), h), lin(w, b + "mlp.fc2", h, cfg.intermediateSize()));
        }
    }

    private static Linear lin(WeightMap w, String name, int out, int in) {
        Linear l = Linear.of(w.get(name + ".weight"), w.find(name + ".bias").orElse(null));
        l.weight().requireShape(out, in);
        return l;
    }

    public ClipVisionConfig config() { return cfg; }

    @Override public int hiddenSize() { return cfg.hiddenSize(); }
    @Override public int numLayers() { return cfg.numLayers(); }
    @Override public int numPatches() { return cfg.numPatches(); }
    @Override public boolean hasCls() { return true; }
    @Override public int inputSize() { return cfg.imageSize(); }

    /**
     * Runs the tower on one image and returns hidden_states[layer] as (positions, hidden), CLS first.
     * @param pixels (C, H, W) normalised, H = W = image_size
     * @param layer  index into hidden_states (0 = embeddings after pre_layrnorm; negative counts from the end,
     *               -1 = last block)
     */
    @Override
    public float[] hiddenState(float[] pixels, int layer) {
        int total = cfg.numLayers() + 1;
        int idx = layer < 0 ? total + layer : layer;
        if (idx < 0 || idx >= total) throw new IllegalArgumentException("vision feature layer " + layer + " out of range for " + cfg.numLayers() + " layers");
        if (idx > blocks.length) throw new IllegalStateException("tower loaded with " + blocks.length + " blocks, layer " + idx + " requested");
        float[] x = embed(pixels);
        int n = cfg.numPositions();
        for (int l = 0; l < idx; l++) x = block(blocks[l], x, n);
        return x;
    }

    /** Patch conv + CLS + positions + pre_layrnorm: (positions, hidden). */
    private float[] embed(float[] pixels) {
        int c = cfg.numChannels(), p = cfg.patchSize(), g = cfg.grid(), s = cfg.imageSize(), h = cfg.hiddenSize();
        if (pixels.length != c * s * s) throw new IllegalArgumentException("pixel tensor has " + pixels.length + " values, expected " + c + "x" + s + "x" + s);
        int k = c * p * p;
        float[] patches = new float[g * g * k]; // im2col: row (py*g+px) = [ch][ky][kx]
        for (int py = 0; py < g; py++)
            for (int px = 0; px < g; px++) {
                int row = (py * g + px) * k;
                for (int ch = 0; ch < c; ch++)
                    for (int ky = 0; ky < p; ky++)
                        System.arraycopy(pixels, ch * s * s + (py * p + ky) * s + px * p, patches, row + (ch * p + ky) * p, p);
            }
        float[] pe = io.llava4j.kernels.MatMul.matmul(patches, g * g, k, patchEmbedding, null, h);
        int n = g * g + 1;
        float[] x = new float[n * h];
        System.arraycopy(classEmbedding, 0, x, 0, h);
        System.arraycopy(pe, 0, x, h, g * g * h);
        for (int i = 0; i < n * h; i++) x[i] += positionEmbedding[i];
        return preLayerNorm.forward(x, n);
    }

    /** Whether this tower has LanguageBind temporal attention (then a clip must have {@link #temporalFrames()} frames). */
    public boolean hasTemporalAttention() { return temporal != null; }

    /** Frames the temporal attention was trained for (its temporal_embedding length); 0 without it. */
    public int temporalFrames() { return temporal == null ? 0 : temporal[0].frames(); }

    /**
     * Runs the tower on the frames of one clip and returns hidden_states[layer] of every frame as
     * (frames, positions, hidden). Without temporal attention each frame is independent (same as
     * {@link #hiddenState} per frame); with it, the frames attend to each other per token position.
     * @param frames (C, H, W) pixels of each frame, in order
     */
    public float[] videoHiddenState(java.util.List<float[]> frames, int layer) {
        int t = frames.size(), n = cfg.numPositions(), h = cfg.hiddenSize();
        if (t == 0) throw new IllegalArgumentException("a video with no frames was given");
        if (temporal == null) {
            float[] out = new float[t * n * h];
            for (int f = 0; f < t; f++) System.arraycopy(hiddenState(frames.get(f), layer), 0, out, f * n * h, n * h);
            return out;
        }
        // LanguageBind folds the clip as '(b t) n d' with t = config.num_frames, so the clip must have exactly that many
        if (t != temporalFrames()) {
            throw new IllegalArgumentException("this video tower's temporal attention takes exactly " + temporalFrames() + " frames, got " + t);
        }
        int total = cfg.numLayers() + 1;
        int idx = layer < 0 ? total + layer : layer;
        if (idx < 0 || idx >= total) throw new IllegalArgumentException("vision feature layer " + layer + " out of range for " + cfg.numLayers() + " layers");
        if (idx > blocks.length) throw new IllegalStateException("tower loaded with " + blocks.length + " blocks, layer " + idx + " requested");
        float[] x = new float[t * n * h];
        for (int f = 0; f < t; f++) System.arraycopy(embed(frames.get(f)), 0, x, f * n * h, n * h);
        for (int l = 0; l < idx; l++) {
            temporalAttention(temporal[l], x, t, n);
            for (int f = 0; f < t; f++) {
                float[] frame = java.util.Arrays.copyOfRange(x, f * n * h, (f + 1) * n * h);
                System.arraycopy(block(blocks[l], frame, n), 0, x, f * n * h, n * h);
            }
        }
        return x;
    }

    /**
     * In place on x (t, n, hidden): x[f, i] += emb[f] (when t > 1), then x += out_proj(attention over the t rows of each
     * position i of temporal_layer_norm1(x)). LayerNorm and projections are row-wise, so they run on all t*n rows at once.
     */
    private void temporalAttention(Temporal tp, float[] x, int t, int n) {
        int h = cfg.hiddenSize(), rows = t * n;
        if (t != 1) for (int f = 0; f < t; f++) for (int i = 0; i < n; i++) for (int c = 0; c < h; c++) x[(f * n + i) * h + c] += tp.embedding()[f * h + c];
        float[] a = tp.ln().forward(x, rows);
        float[] q = tp.q().forward(a, rows), k = tp.k().forward(a, rows), v = tp.v().forward(a, rows);
        float[] att = new float[rows * h];
        float[] qi = new float[t * h], ki = new float[t * h], vi = new float[t * h], oi = new float[t * h];
        float scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < t; f++) {
                int src = (f * n + i) * h;
                System.arraycopy(q, src, qi, f * h, h);
                System.arraycopy(k, src, ki, f * h, h);
                System.arraycopy(v, src, vi, f * h, h);
            }
            Attention.full(qi, ki, vi, t, cfg.numHeads(), cfg.headDim(), scale, oi);
            for (int f = 0; f < t; f++) System.arraycopy(oi, f * h, att, (f * n + i) * h, h);
        }
        float[] o = tp.o().forward(att, rows);
        for (int j = 0; j < rows * h; j++) x[j] += o[j];
    }

    private float[] block(Block b, float[] x, int n) {
        int h = cfg.hiddenSize();
        float[] a = b.ln1().forward(x, n);
        float[] q = b.q().forward(a, n), k = b.k().forward(a, n), v = b.v().forward(a, n);
        float[] att = new float[n * h];
        Attention.full(q, k, v, n, cfg.numHeads(), cfg.headDim(), (float) (1.0 / Math.sqrt(cfg.headDim())), att);
        float[] o = b.o().forward(att, n);
        for (int i = 0; i < n * h; i++) x[i] += o[i];
        float[] m = b.fc1().forward(b.ln2().forward(x, n), n);
        Activations.apply(cfg.hiddenAct(), m, m.length);
        float[] y = b.fc2().forward(m, n);
        for (int i = 0; i < n * h; i++) x[i] += y[i];
        return x;
    }
}
