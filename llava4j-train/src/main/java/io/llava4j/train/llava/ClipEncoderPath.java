package io.llava4j.train.llava;

import io.llava4j.format.WeightMap;
import io.llava4j.tensor.Tensor;
import io.llava4j.train.Param;
import io.llava4j.train.nn.Act;
import io.llava4j.train.nn.ClipLayer;
import io.llava4j.train.nn.ClipVisionEncoder;
import io.llava4j.train.nn.Linear;
import io.llava4j.train.nn.VectorWeight;
import io.llava4j.train.nn.Weight;
import io.llava4j.vision.encoder.ClipVisionConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP tower up to the selected layer, through {@link ClipVisionEncoder}. Trainable: every weight is a
 * {@link Param} under its checkpoint name, weight decay as HF Trainer's groups (the seeds' optimizer): on everything
 * except biases and LayerNorm weights. Frozen: the weights stay in the mapped checkpoint, and with caching the features
 * of an image (by key and pixel hash) are computed once. (The same numbers as core's inference tower, tested; this
 * one's kernels give the same bits whatever the JIT state, which resumable training needs.)
 */
final class ClipEncoderPath implements VisionPath {
    private final ClipVisionEncoder enc;
    private final List<Param> params = new ArrayList<>();
    private final boolean keepCls;
    private final ClipVisionEncoder.State state = new ClipVisionEncoder.State();
    private float[] dfull = new float[0];
    private final boolean trainable;
    private final java.util.Map<String, float[]> cache;
    private long calls;

    ClipEncoderPath(ClipVisionConfig vc, WeightMap w, String prefix, int depth, boolean keepCls, boolean recompute) {
        this(vc, w, prefix, depth, keepCls, recompute, true, false);
    }

    ClipEncoderPath(ClipVisionConfig vc, WeightMap w, String prefix, int depth, boolean keepCls, boolean recompute, boolean trainable, boolean cache) {
        this.keepCls = keepCls;
        this.trainable = trainable;
        this.cache = !trainable && cache ? new java.util.HashMap<>() : null;
        int h = vc.hiddenSize(), c = vc.numChannels(), p = vc.patchSize();
        Tensor conv = w.get(prefix + "embeddings.patch_embedding.weight").requireShape(h, c, p, p);
        Weight patch = mat(conv);
        Tensor clsT = w.get(prefix + "embeddings.class_embedding").requireShape(h);
        VectorWeight cls = trainable ? VectorWeight.trainable(param(clsT, true)) : VectorWeight.frozen(clsT);
        Weight pos = mat(w.get(prefix + "embeddings.position_embedding.weight").requireShape(vc.numPositions(), h));
        VectorWeight preW = vec(w.get(prefix + "pre_layrnorm.weight"));
        VectorWeight preB = vec(w.get(prefix + "pre_layrnorm.bias"));
        Act.Kind act = Act.Kind.of(vc.hiddenAct());
        ClipLayer[] layers = new ClipLayer[depth];
        for (int l = 0; l < depth; l++) {
            String b = prefix + "encoder.layers." + l + ".";
            VectorWeight l1w = vec(w.get(b + "layer_norm1.weight")), l1b = vec(w.get(b + "layer_norm1.bias"));
            Linear q = lin(w, b + "self_attn.q_proj"), k = lin(w, b + "self_attn.k_proj"), v = lin(w, b + "self_attn.v_proj"), o = lin(w, b + "self_attn.out_proj");
            VectorWeight l2w = vec(w.get(b + "layer_norm2.weight")), l2b = vec(w.get(b + "layer_norm2.bias"));
            Linear fc1 = lin(w, b + "mlp.fc1"), fc2 = lin(w, b + "mlp.fc2");
            layers[l] = new ClipLayer(vc.numHeads(), vc.layerNormEps(), act, l1w, l1b, q, k, v, o, l2w, l2b, fc1, fc2);
        }
        this.enc = new ClipVisionEncoder(c, p, vc.imageSize(), patch, cls, pos, preW, preB, layers, vc.layerNormEps(), recompute);
    }

    private Param param(Tensor t, boolean decay) {
        Param p = LlavaTrainModel.copy(t, decay, LlavaTrainModel.VISION_GROUP);
        params.add(p);
        return p;
    }

    private VectorWeight vec(Tensor t) { return trainable ? VectorWeight.trainable(param(t, false)) : VectorWeight.frozen(t); }

    private Weight mat(Tensor t) { return trainable ? Weight.trainable(param(t, true)) : Weight.frozen(t); }

    private Linear lin(WeightMap w, String name) {
        Weight lw = mat(w.get(name + ".weight"));
        VectorWeight lb = w.find(name + ".bias").map(this::vec).orElse(null);
        return new Linear(name, lw, lb);
    }

    List<Param> params() { return params; }

    ClipVisionEncoder encoder() { return enc; }

    @Override public int rows() { return enc.positions - (keepCls ? 0 : 1); }

    @Override public int dim() { return enc.hidden; }

    @Override
    public float[] forward(List<float[]> pixels, List<String> keys, boolean training) {
        int N = pixels.size(), h = enc.hidden, per = rows() * h;
        float[] out = new float[N * per];
        if (trainable) {
            float[] hs = enc.forward(pixels, state, calls++);
            for (int i = 0; i < N; i++) System.arraycopy(hs, (i * enc.positions + (keepCls ? 0 : 1)) * h, out, i * per, per);
            return out;
        }
        // frozen: cached images are copied, the others run together
        List<Integer> todo = new ArrayList<>();
        String[] ks = new String[N];
        for (int i = 0; i < N; i++) {
            float[] px = pixels.get(i);
            String key = keys.get(i);
            ks[i] = cache != null && key != null ? key + "#" + px.length + ":" + java.util.Arrays.hashCode(px) : null;
            float[] hit = ks[i] == null ? null : cache.get(ks[i]);
            if (hit != null) System.arraycopy(hit, 0, out, i * per, per);
            else todo.add(i);
        }
        if (todo.isEmpty()) return out;
        List<float[]> run = new ArrayList<>();
        for (int i : todo) run.add(pixels.get(i));
        float[] hs = enc.forward(run, state, calls++);
        for (int j = 0; j < todo.size(); j++) {
            int i = todo.get(j);
            float[] f = java.util.Arrays.copyOfRange(hs, (j * enc.positions + (keepCls ? 0 : 1)) * h, (j * enc.positions + (keepCls ? 0 : 1)) * h + per);
            System.arraycopy(f, 0, out, i * per, per);
            if (ks[i] != null) cache.put(ks[i], f);
        }
        return out;
    }

    @Override
    public void backward(float[] dfeatures) {
        if (!trainable) throw new IllegalStateException("the vision tower is frozen");
        int N = state.images(), h = enc.hidden, per = rows() * h, full = enc.positions * h;
        if (dfull.length < N * full) dfull = new float[N * full];
        java.util.Arrays.fill(dfull, 0, N * full, 0f);
        for (int i = 0; i < N; i++) System.arraycopy(dfeatures, i * per, dfull, i * full + (keepCls ? 0 : h), per);
        enc.backward(dfull, state);
    }
}
