package io.llava4j.vision.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.WeightMap;
import io.llava4j.kernels.Activations;
import io.llava4j.kernels.MatMul;
import io.llava4j.nn.Attention;
import io.llava4j.nn.Linear;
import io.llava4j.nn.RmsNorm;
import io.llava4j.tensor.Tensor;

/**
 * InternViT-6B (InternVL-Chat v1.0 on LLaVA): patch conv with bias -> CLS -> + position embeddings (the patch grid
 * bicubically resized to the run-time grid, CLS row kept) -> blocks of
 * {@code x += ls1 * attn(norm1 x); x += ls2 * mlp(norm2 x)} with RMSNorm, a bias-free fused qkv, and qk-norm:
 * an RMSNorm over the whole width of q and of k before the head split. No final norm on hidden states.
 */
public final class InternVitTower implements VisionTower {

    /** Hyper-parameters of an InternVisionModel config.json. */
    public record Config(int hiddenSize, int intermediateSize, int numHeads, int numLayers, int imageSize, int patchSize,
                         float eps, String hiddenAct, boolean qkNorm, boolean qkvBias) {
        public static Config fromJson(JsonNode n) {
            Config c = new Config(Json.intField(n, "hidden_size", 3200, 1, 1 << 16), Json.intField(n, "intermediate_size", 12800, 1, 1 << 18),
                    Json.intField(n, "num_attention_heads", 25, 1, 1024), Json.intField(n, "num_hidden_layers", 48, 1, 1024),
                    Json.intField(n, "image_size", 224, 1, 1 << 14), Json.intField(n, "patch_size", 14, 1, 1024),
                    (float) Json.doubleField(n, "layer_norm_eps", 1e-6, 0, 1), Json.stringField(n, "hidden_act", "gelu"),
                    Json.boolField(n, "qk_normalization", true), Json.boolField(n, "qkv_bias", false));
            if (c.hiddenSize % c.numHeads != 0) throw new ConfigException("InternViT hidden_size " + c.hiddenSize + " not divisible by heads " + c.numHeads);
            return c;
        }
    }

    record Block(RmsNorm norm1, Linear qkv, RmsNorm qNorm, RmsNorm kNorm, Linear proj, float[] ls1,
                 RmsNorm norm2, Linear fc1, Linear fc2, float[] ls2) {}

    private final Config cfg;
    private final int runSize, grid;
    private final Tensor patchEmbedding; // (hidden, 3*p*p)
    private final float[] patchBias, classEmbedding, positions; // positions: (1 + grid^2, hidden) at the run size
    private final Block[] blocks;

    /**
     * @param runSize input side the tower is run at (InternVL-Chat runs the 224 px tower at 336)
     * @param layersNeeded blocks to load (deepest hidden_states index used)
     */
    public InternVitTower(Config cfg, WeightMap w, String prefix, int runSize, int layersNeeded) {
        this.cfg = cfg;
        this.runSize = runSize;
        if (runSize % cfg.patchSize() != 0) throw new ConfigException("InternViT input size " + runSize + " is not a multiple of patch " + cfg.patchSize());
        this.grid = runSize / cfg.patchSize();
        int h = cfg.hiddenSize(), p = cfg.patchSize();
        Tensor conv = w.get(prefix + "embeddings.patch_embedding.weight").requireShape(h, 3, p, p);
        this.patchEmbedding = new Tensor(conv.name(), conv.dtype(), new long[] {h, 3L * p * p}, conv.data());
        this.patchBias = w.get(prefix + "embeddings.patch_embedding.bias").toFloatArray();
        this.classEmbedding = w.get(prefix + "embeddings.class_embedding").toFloatArray();
        this.positions = positionsFor(w.get(prefix + "embeddings.position_embedding").toFloatArray(), cfg.imageSize() / p, grid, h);
        this.blocks = new Block[layersNeeded];
        for (int l = 0; l < layersNeeded; l++) {
            String b = prefix + "encoder.layers." + l + ".";
            blocks[l] = new Block(RmsNorm.of(w.get(b + "norm1.weight"), cfg.eps()),
                    Linear.of(w.get(b + "attn.qkv.weight"), w.find(b + "attn.qkv.bias").orElse(null)),
                    cfg.qkNorm() ? RmsNorm.of(w.get(b + "attn.q_norm.weight"), cfg.eps()) : null,
                    cfg.qkNorm() ? RmsNorm.of(w.get(b + "attn.k_norm.weight"), cfg.eps()) : null,
                    Linear.of(w.get(b + "attn.proj.weight"), w.find(b + "attn.proj.bias").orElse(null)),
                    w.get(b + "ls1").toFloatArray(), RmsNorm.of(w.get(b + "norm2.weight"), cfg.eps()),
                    Linear.of(w.get(b + "mlp.fc1.weight"), w.find(b + "mlp.fc1.bias").orElse(null)),
                    Linear.of(w.get(b + "mlp.fc2.weight"), w.find(b + "mlp.fc2.bias").orElse(null)),
                    w.get(b + "ls2").toFloatArray());
        }
    }

    /** CLS position row kept; the (g, g) patch grid resized bicubically to (grid, grid). */
    static float[] positionsFor(float[] pos, int g, int grid, int h) {
        float[] patches = java.util.Arrays.copyOfRange(pos, h, pos.length);
        float[] resized = g == grid ? patches : BicubicInterpolation.resizeChannelsLast(patches, g, g, h, grid, grid);
        float[] out = new float[(1 + grid * grid) * h];
        System.arraycopy(pos, 0, out, 0, h);
        System.arraycopy(resized, 0, out, h, resized.length);
        return out;
    }

    /** Position embeddings at the run size: (1 + grid^2, hidden). */
    public float[] positionEmbeddings() { return positions.clone(); }

    @Override public int hiddenSize() { return cfg.hiddenSize(); }
    @Override public int numLayers() { return cfg.numLayers(); }
    @Override public int numPatches() { return grid * grid; }
    @Override public boolean hasCls() { return true; }
    @Override public int inputSize() { return runSize; }

    @Override
    public float[] hiddenState(float[] pixels, int layer) {
        int total = cfg.numLayers() + 1;
        int idx = layer < 0 ? total + layer : layer;
        if (idx < 0 || idx >= total || idx > blocks.length) throw new IllegalArgumentException("vision feature layer " + layer + " out of range");
        int h = cfg.hiddenSize(), p = cfg.patchSize(), s = runSize, n = grid * grid + 1;
        if (pixels.length != 3 * s * s) throw new IllegalArgumentException("pixel tensor has " + pixels.length + " values, expected 3x" + s + "x" + s);
        int k = 3 * p * p;
        float[] patches = new float[grid * grid * k];
        for (int py = 0; py < grid; py++)
            for (int px = 0; px < grid; px++)
                for (int ch = 0; ch < 3; ch++)
                    for (int ky = 0; ky < p; ky++)
                        System.arraycopy(pixels, ch * s * s + (py * p + ky) * s + px * p, patches, (py * grid + px) * k + (ch * p + ky) * p, p);
        float[] pe = MatMul.matmul(patches, grid * grid, k, patchEmbedding, patchBias, h);
        float[] x = new float[n * h];
        System.arraycopy(classEmbedding, 0, x, 0, h);
        System.arraycopy(pe, 0, x, h, pe.length);
        for (int i = 0; i < x.length; i++) x[i] += positions[i];
        for (int l = 0; l < idx; l++) x = block(blocks[l], x, n);
        return x;
    }

    private float[] block(Block b, float[] x, int n) {
        int h = cfg.hiddenSize(), heads = cfg.numHeads(), d = h / heads;
        float[] qkv = b.qkv().forward(b.norm1().forward(x, n), n); // (n, 3h): q | k | v, each head-major
        float[] q = new float[n * h], k = new float[n * h], v = new float[n * h];
        for (int t = 0; t < n; t++) {
            System.arraycopy(qkv, t * 3 * h, q, t * h, h);
            System.arraycopy(qkv, t * 3 * h + h, k, t * h, h);
            System.arraycopy(qkv, t * 3 * h + 2 * h, v, t * h, h);
        }
        if (b.qNorm() != null) { q = b.qNorm().forward(q, n); k = b.kNorm().forward(k, n); }
        float[] att = new float[n * h];
        Attention.full(q, k, v, n, heads, d, (float) Math.pow(d, -0.5), att);
        float[] o = b.proj().forward(att, n);
        for (int i = 0; i < n * h; i++) x[i] += o[i] * b.ls1()[i % h];
        float[] m = b.fc1().forward(b.norm2().forward(x, n), n);
        Activations.apply(cfg.hiddenAct(), m, m.length);
        float[] y = b.fc2().forward(m, n);
        for (int i = 0; i < n * h; i++) x[i] += y[i] * b.ls2()[i % h];
        return x;
    }
}
