package io.llava4j.llm;

import io.llava4j.format.WeightMap;
import io.llava4j.kernels.Activations;
import io.llava4j.nn.Attention;
import io.llava4j.nn.Linear;
import io.llava4j.nn.RmsNorm;
import io.llava4j.tensor.Tensor;

/**
 * LLaMA-family decoder (LLaMA/Vicuna, Mistral, Qwen2): token embeddings -> N x [RMSNorm -> GQA attention
 * with RoPE (+ q/k/v bias for Qwen2) -> residual -> RMSNorm -> SwiGLU MLP -> residual] -> RMSNorm -> lm_head.
 * The whole prompt is processed in one batched pass (prefill); decoding feeds one row at a time with the
 * KV cache. Input is embeddings so media features can be spliced in before the first layer.
 */
public final class DecoderLm {

    /** One decoder layer's weights. */
    record Layer(RmsNorm inputNorm, Linear q, Linear k, Linear v, Linear o, RmsNorm postNorm,
                 Linear gate, Linear up, Linear down) {}

    private final DecoderConfig cfg;
    private final Tensor embedTokens; // (vocab, hidden)
    private final Layer[] layers;
    private final RmsNorm finalNorm;
    private final Tensor lmHead;      // (vocab, hidden); the embedding matrix when tied
    private final Rope rope;

    /**
     * @param prefix names up to the decoder's layers, e.g. "language_model.model." (HF) or "model." (original)
     * @param lmHeadName name of the output projection, e.g. "language_model.lm_head.weight"
     */
    public DecoderLm(DecoderConfig cfg, WeightMap w, String prefix, String lmHeadName) {
        this(cfg, w, prefix, lmHeadName, null);
    }

    /** @param lora adapters for the layers' linear modules (unmerged), or null */
    public DecoderLm(DecoderConfig cfg, WeightMap w, String prefix, String lmHeadName, LoraAdapter lora) {
        this.cfg = cfg;
        int h = cfg.hiddenSize();
        this.embedTokens = w.get(prefix + "embed_tokens.weight").requireShape(cfg.vocabSize(), h);
        this.layers = new Layer[cfg.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = prefix + "layers." + l + ".";
            String m = "layers." + l + ".";
            layers[l] = new Layer(
                    RmsNorm.of(w.get(p + "input_layernorm.weight").requireShape(h), cfg.rmsNormEps()),
                    lin(w, p, m, "self_attn.q_proj", cfg.qDim(), h, lora), lin(w, p, m, "self_attn.k_proj", cfg.kvDim(), h, lora),
                    lin(w, p, m, "self_attn.v_proj", cfg.kvDim(), h, lora), lin(w, p, m, "self_attn.o_proj", h, cfg.qDim(), lora),
                    RmsNorm.of(w.get(p + "post_attention_layernorm.weight").requireShape(h), cfg.rmsNormEps()),
                    lin(w, p, m, "mlp.gate_proj", cfg.intermediateSize(), h, lora), lin(w, p, m, "mlp.up_proj", cfg.intermediateSize(), h, lora),
                    lin(w, p, m, "mlp.down_proj", h, cfg.intermediateSize(), lora));
        }
        this.finalNorm = RmsNorm.of(w.get(prefix + "norm.weight").requireShape(h), cfg.rmsNormEps());
        this.lmHead = w.find(lmHeadName).orElseGet(() -> {
            if (!cfg.tieWordEmbeddings()) w.get(lmHeadName); // throws: missing and not tied
            return embedTokens;
        }).requireShape(cfg.vocabSize(), h);
        this.rope = new Rope(cfg.headDim(), cfg.ropeTheta());
    }

    private static Linear lin(WeightMap w, String prefix, String layer, String module, int out, int in, LoraAdapter lora) {
        String name = prefix + module;
        Linear l = Linear.of(w.get(name + ".weight"), w.find(name + ".bias").orElse(null));
        l.weight().requireShape(out, in);
        return lora == null ? l : lora.apply(layer + module, l);
    }

    public DecoderConfig config() { return cfg; }

    /**
     * Bytes of weights one decode step reads, as stored in memory (quantized, mapped or converted): every layer's
     * linear weights (and LoRA factors) and the output projection; norms, biases and the one embedding row are left
     * out (under 0.1 % at 7B). Used for the bandwidth bound of decoding (bytes per token / read bandwidth).
     */
    public long decodeWeightBytes() {
        long sum = lmHead.data().byteSize();
        for (Layer L : layers) {
            for (Linear lin : new Linear[] {L.q(), L.k(), L.v(), L.o(), L.gate(), L.up(), L.down()}) {
                sum += lin.weight().data().byteSize();
                if (lin.hasLora()) sum += lin.loraA().data().byteSize() + lin.loraB().data().byteSize();
            }
        }
        return sum;
    }

    public KvCache newCache(int capacity) { return new KvCache(cfg.numLayers(), cfg.kvDim(), capacity); }

    /** Embedding rows for token ids, written to out at row offset {@code row}. */
    public void embed(int id, float[] out, int row) {
        if (id < 0 || id >= cfg.vocabSize()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + cfg.vocabSize() + ")");
        embedTokens.toFloats((long) id * cfg.hiddenSize(), out, row * cfg.hiddenSize(), cfg.hiddenSize());
    }

    /**
     * Runs n new positions through the decoder, appending to the cache.
     * @param x      input embeddings (n, hidden); overwritten
     * @param allLogits logits for every row (n, vocab) instead of the last row only (vocab)
     */
    public float[] forward(float[] x, int n, KvCache cache, boolean allLogits) {
        int h = cfg.hiddenSize(), start = cache.length();
        if (start + n > cfg.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + (start + n) + " tokens exceeds max_position_embeddings " + cfg.maxPositions());
        }
        cache.reserve(n);
        ForwardBuffers buf = ForwardBuffers.forCall(cache, cfg, n);
        float[] a = buf.a, q = buf.q, att = buf.att, k = buf.k, v = buf.v, o = buf.o, g = buf.gate, u = buf.up, d = buf.down;
        float scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
        int kvDim = cfg.kvDim();
        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            L.inputNorm().forward(x, n, a);
            L.q().forward(a, n, q);
            float[] kv = cache.keys(l), vv = cache.values(l);
            L.k().forward(a, n, k);
            L.v().forward(a, n, v);
            rope.apply(q, n, cfg.numHeads(), start);
            rope.apply(k, n, cfg.numKvHeads(), start);
            System.arraycopy(k, 0, kv, start * kvDim, n * kvDim);
            System.arraycopy(v, 0, vv, start * kvDim, n * kvDim);
            Attention.causal(q, kv, vv, n, start, cfg.numHeads(), cfg.numKvHeads(), cfg.headDim(), scale, cfg.slidingWindow(), att);
            L.o().forward(att, n, o);
            for (int i = 0; i < n * h; i++) x[i] += o[i];
            L.postNorm().forward(x, n, a);
            L.gate().forward(a, n, g);
            L.up().forward(a, n, u);
            Activations.siluMul(g, u, n * cfg.intermediateSize());
            L.down().forward(g, n, d);
            for (int i = 0; i < n * h; i++) x[i] += d[i];
        }
        cache.advance(n);
        if (allLogits) {
            float[] hn = finalNorm.forward(x, n);
            return io.llava4j.kernels.MatMul.matmul(hn, n, h, lmHead, null, cfg.vocabSize());
        }
        float[] lastRow = buf.row;
        System.arraycopy(x, (n - 1) * h, lastRow, 0, h);
        finalNorm.forward(lastRow, 1, lastRow);
        return io.llava4j.kernels.MatMul.matmul(lastRow, 1, h, lmHead, null, cfg.vocabSize());
    }

    /**
     * One decode step for several sequences at once (continuous batching): row i of {@code x} (batch, hidden) is the
     * next position of the sequence whose cache is {@code caches[i]}. The linear layers run over all rows in one pass
     * (each weight read once per step, not once per sequence); rotary positions and attention use each sequence's own
     * cache and length. Row i of the result (batch, vocab) is bitwise equal to {@code forward(x_i, 1, caches[i], false)}.
     * @param x input embeddings (batch, hidden); overwritten
     */
    public float[] decodeBatch(float[] x, KvCache[] caches) {
        int b = caches.length, h = cfg.hiddenSize(), kvDim = cfg.kvDim(), qDim = cfg.qDim(), inter = cfg.intermediateSize();
        if (b == 0) throw new IllegalArgumentException("decodeBatch: no sequences");
        if (x.length < b * h) throw new IllegalArgumentException("decodeBatch: " + b + " sequences need " + b * h + " inputs, got " + x.length);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < i; j++) {
                if (caches[i] == caches[j]) throw new IllegalArgumentException("decodeBatch: the same cache twice in one step (sequences " + j + " and " + i + ")");
            }
            if (caches[i].length() + 1 > cfg.maxPositions()) {
                throw new IllegalArgumentException("sequence of " + (caches[i].length() + 1) + " tokens exceeds max_position_embeddings " + cfg.maxPositions());
            }
        }
        for (KvCache c : caches) c.reserve(1);
        float[] a = new float[b * h];
        float[] att = new float[b * qDim];
        float[] qRow = new float[qDim], attRow = new float[qDim], gRow = new float[inter], uRow = new float[inter];
        float scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
        for (int l = 0; l < layers.length; l++) {
            Layer L = layers[l];
            L.inputNorm().forward(x, b, a);
            float[] q = L.q().forwardRowExact(a, b);
            float[] k = L.k().forwardRowExact(a, b), v = L.v().forwardRowExact(a, b);
            for (int i = 0; i < b; i++) { // per sequence: its position, its cache
                int pos = caches[i].length();
                rope.applyRow(q, i, cfg.numHeads(), pos);
                rope.applyRow(k, i, cfg.numKvHeads(), pos);
                float[] kv = caches[i].keys(l), vv = caches[i].values(l);
                System.arraycopy(k, i * kvDim, kv, pos * kvDim, kvDim);
                System.arraycopy(v, i * kvDim, vv, pos * kvDim, kvDim);
                System.arraycopy(q, i * qDim, qRow, 0, qDim);
                Attention.causal(qRow, kv, vv, 1, pos, cfg.numHeads(), cfg.numKvHeads(), cfg.headDim(), scale, cfg.slidingWindow(), attRow);
                System.arraycopy(attRow, 0, att, i * qDim, qDim);
            }
            float[] o = L.o().forwardRowExact(att, b);
            for (int i = 0; i < b * h; i++) x[i] += o[i];
            L.postNorm().forward(x, b, a);
            float[] g = L.gate().forwardRowExact(a, b), u = L.up().forwardRowExact(a, b);
            siluMulRows(g, u, b, inter, gRow, uRow);
            float[] d = L.down().forwardRowExact(g, b);
            for (int i = 0; i < b * h; i++) x[i] += d[i];
        }
        for (KvCache c : caches) c.advance(1);
        float[] hn = finalNorm.forward(x, b);
        float[] logits = new float[b * cfg.vocabSize()];
        io.llava4j.kernels.MatMul.matmulRowExact(hn, b, h, lmHead, null, logits, cfg.vocabSize());
        return logits;
    }

    /**
     * SwiGLU row by row through the very method a single step uses, on a copy of each row: the vector/tail split
     * (and the JIT-compiled code, whose vector exp may differ by an ulp from the interpreter's) is the same as alone.
     */
    private static void siluMulRows(float[] g, float[] u, int rows, int inter, float[] gRow, float[] uRow) {
        if (rows == 1) {
            Activations.siluMul(g, u, inter);
            return;
        }
        for (int i = 0; i < rows; i++) {
            System.arraycopy(g, i * inter, gRow, 0, inter);
            System.arraycopy(u, i * inter, uRow, 0, inter);
            Activations.siluMul(gRow, uRow, inter);
            System.arraycopy(gRow, 0, g, i * inter, inter);
        }
    }
}
