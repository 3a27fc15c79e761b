package io.llava4j.train.nn;

import java.util.Arrays;

/**
 * A CLIP ViT (HF CLIPVisionTransformer) up to one hidden state, forward and backward: patch conv (no bias, as an
 * im2col matmul) -> CLS row prepended -> + position embeddings -> pre_layrnorm -> encoder layers. Returns
 * hidden_states[depth] (CLS first); post_layernorm is not used (LLaVA takes an inner hidden state). Layer inputs are
 * kept per image; layer activations are recomputed in the backward pass when {@code recompute}.
 */
public final class ClipVisionEncoder {
    public final int hidden, channels, patch, imageSize, grid, positions;
    public final Weight patchEmbedding;          // (hidden, C*p*p)
    public final VectorWeight classEmbedding;    // (hidden)
    public final Weight positionEmbedding;       // (positions, hidden)
    public final VectorWeight preLnW, preLnB;
    public final ClipLayer[] layers;
    public final float eps;
    private final boolean recompute;
    private final ClipLayer.Scratch scratch = new ClipLayer.Scratch();

    /** What one image's forward leaves for backward. */
    public static final class State {
        float[] patches = new float[0], x0 = new float[0], mean0 = new float[0], rstd0 = new float[0], tmp = new float[0], d = new float[0], dpe = new float[0];
        float[][] xs = new float[0][];
        ClipLayer.Acts[] acts = new ClipLayer.Acts[0];
        long seed;
        int images;
        int[] seg;

        /** Images of the last forward. */
        public int images() { return images; }
    }

    public ClipVisionEncoder(int channels, int patch, int imageSize, Weight patchEmbedding, VectorWeight classEmbedding,
                             Weight positionEmbedding, VectorWeight preLnW, VectorWeight preLnB, ClipLayer[] layers, float eps, boolean recompute) {
        this.hidden = classEmbedding.size();
        this.channels = channels;
        this.patch = patch;
        this.imageSize = imageSize;
        this.grid = imageSize / patch;
        this.positions = grid * grid + 1;
        this.patchEmbedding = patchEmbedding;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preLnW = preLnW;
        this.preLnB = preLnB;
        this.layers = layers.clone();
        this.eps = eps;
        this.recompute = recompute;
        if (patchEmbedding.rows != hidden || patchEmbedding.cols != channels * patch * patch) throw new IllegalArgumentException("patch embedding " + patchEmbedding + " does not fit");
        if (positionEmbedding.rows != positions || positionEmbedding.cols != hidden) throw new IllegalArgumentException("position embedding " + positionEmbedding + " does not fit " + positions + " positions");
    }

    /** hidden_states[layers.length] of one image (positions, hidden), CLS first; st keeps what backward needs. */
    public float[] forward(float[] pixels, State st, long seed) {
        return forward(java.util.List.of(pixels), st, seed);
    }

    /**
     * hidden_states[layers.length] of N images, packed: (N * positions, hidden), image i's rows (CLS first) at
     * i * positions. Every product runs once over all images; attention stays within each image.
     */
    public float[] forward(java.util.List<float[]> images, State st, long seed) {
        int N = images.size(), n = N * positions, h = hidden, g2 = grid * grid, k = channels * patch * patch;
        if (st.xs.length != layers.length + 1 || st.xs[0].length < n * h) {
            st.xs = new float[layers.length + 1][n * h];
            st.patches = new float[N * g2 * k];
            st.x0 = new float[n * h];
            st.tmp = new float[n * h];
            st.d = new float[n * h];
            st.dpe = new float[N * g2 * h];
            st.mean0 = new float[n];
            st.rstd0 = new float[n];
            st.acts = new ClipLayer.Acts[recompute ? 1 : layers.length];
            for (int i = 0; i < st.acts.length; i++) st.acts[i] = new ClipLayer.Acts();
        }
        st.seed = seed;
        st.images = N;
        st.seg = new int[N + 1];
        for (int i = 0; i <= N; i++) st.seg[i] = i * positions;
        for (int i = 0; i < N; i++) PatchEmbed.im2col(images.get(i), channels, imageSize, patch, st.patches, i * g2 * k);
        Gemm.nt(st.patches, N * g2, k, patchEmbedding, null, st.tmp);
        float[] pos = positionEmbedding.dense != null ? positionEmbedding.dense : positionEmbedding.toFloats();
        for (int i = 0; i < N; i++) {
            int o = i * positions * h;
            System.arraycopy(classEmbedding.values, 0, st.x0, o, h);
            System.arraycopy(st.tmp, i * g2 * h, st.x0, o + h, g2 * h);
            for (int j = 0; j < positions * h; j++) st.x0[o + j] += pos[j];
        }
        LayerNorm.forward(st.x0, n, h, preLnW.values, preLnB == null ? null : preLnB.values, eps, st.xs[0], st.mean0, st.rstd0);
        for (int l = 0; l < layers.length; l++) layers[l].forward(st.xs[l], st.seg, st.xs[l + 1], st.acts[recompute ? 0 : l], seed * 100 + l);
        return st.xs[layers.length];
    }

    /** Backward from dL/dhidden ((N * positions, hidden), as the forward packed it); adds every trainable gradient. */
    public void backward(float[] dout, State st) {
        int N = st.images, n = N * positions, h = hidden, g2 = grid * grid, k = channels * patch * patch;
        float[] d = st.d;
        System.arraycopy(dout, 0, d, 0, n * h);
        for (int l = layers.length - 1; l >= 0; l--) {
            ClipLayer.Acts a = st.acts[recompute ? 0 : l];
            if (recompute && l != layers.length - 1) layers[l].forward(st.xs[l], st.seg, st.tmp, a, st.seed * 100 + l);
            layers[l].backward(d, st.xs[l], n, d, a, scratch);
        }
        float[] dx0 = st.tmp;
        Arrays.fill(dx0, 0, n * h, 0f);
        LayerNorm.backward(d, st.x0, n, h, preLnW.values, st.mean0, st.rstd0, dx0, preLnW.grad(), preLnB == null ? null : preLnB.grad());
        for (int i = 0; i < N; i++) {
            int o = i * positions * h;
            if (classEmbedding.trainable()) for (int j = 0; j < h; j++) classEmbedding.grad()[j] += dx0[o + j];
            if (positionEmbedding.trainable()) for (int j = 0; j < positions * h; j++) positionEmbedding.param.grad[j] += dx0[o + j];
            System.arraycopy(dx0, o + h, st.dpe, i * g2 * h, g2 * h);
        }
        if (patchEmbedding.trainable()) Gemm.tnAcc(st.dpe, st.patches, N * g2, h, k, patchEmbedding.param.grad);
    }
}
