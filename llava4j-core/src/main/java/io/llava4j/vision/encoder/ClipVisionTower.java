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
 */
public final class ClipVisionTower implements VisionTower {

    /** One pre-norm transformer block: x += attn(ln1(x)); x += mlp(ln2(x)). */
    record Block(LayerNorm ln1, Linear q, Linear k, Linear v, Linear o, LayerNorm ln2, Linear fc1, Linear fc2) {}

    private final ClipVisionConfig cfg;
    private final Tensor patchEmbedding;   // (hidden, channels*patch*patch) view of the (hidden, C, P, P) conv weight
    private final float[] classEmbedding;  // (hidden)
    private final float[] positionEmbedding; // (positions, hidden)
    private final LayerNorm preLayerNorm;
    private final Block[] blocks;

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
        for (int l = 0; l < layersNeeded; l++) {
            String b = prefix + "encoder.layers." + l + ".";
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
