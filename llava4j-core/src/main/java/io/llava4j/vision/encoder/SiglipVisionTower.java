package io.llava4j.vision.encoder;

import io.llava4j.format.WeightMap;
import io.llava4j.kernels.Activations;
import io.llava4j.kernels.MatMul;
import io.llava4j.nn.Attention;
import io.llava4j.nn.LayerNorm;
import io.llava4j.nn.Linear;
import io.llava4j.tensor.Tensor;

/**
 * SigLIP vision transformer (HF SiglipVisionTransformer): patch conv WITH bias -> + position embeddings (no CLS,
 * no pre-norm) -> pre-norm blocks (tanh GELU by default). hidden_states[i] is taken before post_layernorm, as
 * LLaVA-OneVision uses it. Config: the CLIP-shaped {@link ClipVisionConfig} (hidden_act, layer_norm_eps given).
 */
public final class SiglipVisionTower implements VisionTower {
    record Block(LayerNorm ln1, Linear q, Linear k, Linear v, Linear o, LayerNorm ln2, Linear fc1, Linear fc2) {}

    private final ClipVisionConfig cfg;
    private final Tensor patchEmbedding;     // (hidden, 3*p*p)
    private final float[] patchBias, positions; // positions (patches, hidden)
    private final Block[] blocks;

    public SiglipVisionTower(ClipVisionConfig cfg, WeightMap w, String prefix, int layersNeeded) {
        this.cfg = cfg;
        int h = cfg.hiddenSize(), p = cfg.patchSize(), c = cfg.numChannels();
        Tensor conv = w.get(prefix + "embeddings.patch_embedding.weight").requireShape(h, c, p, p);
        this.patchEmbedding = new Tensor(conv.name(), conv.dtype(), new long[] {h, (long) c * p * p}, conv.data());
        this.patchBias = w.get(prefix + "embeddings.patch_embedding.bias").toFloatArray();
        this.positions = w.get(prefix + "embeddings.position_embedding.weight").requireShape(cfg.numPatches(), h).toFloatArray();
        float eps = cfg.layerNormEps();
        this.blocks = new Block[layersNeeded];
        for (int l = 0; l < layersNeeded; l++) {
            String b = prefix + "encoder.layers." + l + ".";
            blocks[l] = new Block(LayerNorm.of(w.get(b + "layer_norm1.weight"), w.get(b + "layer_norm1.bias"), eps),
                    lin(w, b + "self_attn.q_proj"), lin(w, b + "self_attn.k_proj"), lin(w, b + "self_attn.v_proj"),
                    lin(w, b + "self_attn.out_proj"),
                    LayerNorm.of(w.get(b + "layer_norm2.weight"), w.get(b + "layer_norm2.bias"), eps),
                    lin(w, b + "mlp.fc1"), lin(w, b + "mlp.fc2"));
        }
    }

    private static Linear lin(WeightMap w, String n) {
        return Linear.of(w.get(n + ".weight"), w.find(n + ".bias").orElse(null));
    }

    @Override public int hiddenSize() { return cfg.hiddenSize(); }
    @Override public int numLayers() { return cfg.numLayers(); }
    @Override public int numPatches() { return cfg.numPatches(); }
    @Override public boolean hasCls() { return false; }
    @Override public int inputSize() { return cfg.imageSize(); }

    public int grid() { return cfg.grid(); }

    @Override
    public float[] hiddenState(float[] pixels, int layer) {
        int total = cfg.numLayers() + 1, idx = layer < 0 ? total + layer : layer;
        if (idx < 0 || idx >= total || idx > blocks.length) throw new IllegalArgumentException("vision feature layer " + layer + " out of range");
        int c = cfg.numChannels(), p = cfg.patchSize(), g = cfg.grid(), s = cfg.imageSize(), h = cfg.hiddenSize(), n = g * g;
        if (pixels.length != c * s * s) throw new IllegalArgumentException("pixel tensor has " + pixels.length + " values, expected " + c + "x" + s + "x" + s);
        int k = c * p * p;
        float[] patches = new float[n * k];
        for (int py = 0; py < g; py++)
            for (int px = 0; px < g; px++)
                for (int ch = 0; ch < c; ch++)
                    for (int ky = 0; ky < p; ky++)
                        System.arraycopy(pixels, ch * s * s + (py * p + ky) * s + px * p, patches, (py * g + px) * k + (ch * p + ky) * p, p);
        float[] x = MatMul.matmul(patches, n, k, patchEmbedding, patchBias, h);
        for (int i = 0; i < x.length; i++) x[i] += positions[i];
        for (int l = 0; l < idx; l++) x = block(blocks[l], x, n);
        return x;
    }

    private float[] block(Block b, float[] x, int n) {
        int h = cfg.hiddenSize();
        float[] a = b.ln1().forward(x, n);
        float[] q = b.q().forward(a, n), k = b.k().forward(a, n), v = b.v().forward(a, n);
        float[] att = new float[n * h];
        Attention.full(q, k, v, n, cfg.numHeads(), cfg.headDim(), (float) Math.pow(cfg.headDim(), -0.5), att);
        float[] o = b.o().forward(att, n);
        for (int i = 0; i < x.length; i++) x[i] += o[i];
        float[] m = b.fc1().forward(b.ln2().forward(x, n), n);
        Activations.apply(cfg.hiddenAct(), m, m.length);
        float[] y = b.fc2().forward(m, n);
        for (int i = 0; i < x.length; i++) x[i] += y[i];
        return x;
    }
}
