package io.llava4j.kernels;

import io.llava4j.tensor.Tensor;

/**
 * Linear layers: out[n][outDim] = x[n][in] · W^T + b, with W stored [outDim][in] (nn.Linear layout) in
 * F32/F16/BF16. Few rows (decode): each weight row is widened once into a per-thread buffer and dotted with every
 * input row, parallel over output rows. Four rows or more (prefill, vision): {@link TiledMatMul}.
 */
public final class MatMul {
    private MatMul() {}

    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    public static void matmul(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        if (w.numel() != (long) outDim * in) {
            throw new IllegalArgumentException("matmul: weight " + w + " is not [" + outDim + ", " + in + "]");
        }
        if (n >= 4) {
            TiledMatMul.matmul(x, n, in, w, bias, out, outDim);
            return;
        }
        rowwise(x, n, in, w, bias, out, outDim);
    }

    /** Row-wise form: each weight row widened once, dotted with every input row (best for decode, n small). */
    public static void rowwise(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        if (w.dtype().isQuantized() && in % 32 == 0) {
            quantRowwise(x, n, in, w, bias, out, outDim);
            return;
        }
        Parallel.forRange(outDim, 16, (from, to) -> {
            float[] row = ROW.get();
            if (row.length < in) { row = new float[in]; ROW.set(row); }
            for (int o = from; o < to; o++) {
                w.toFloats((long) o * in, row, 0, in);
                float b = bias == null ? 0f : bias[o];
                for (int t = 0; t < n; t++) out[t * outDim + o] = VectorOps.dot(x, t * in, row, 0, in) + b;
            }
        });
    }

    /** Quantized weights: dot products straight on the blocks (no row buffer). */
    private static void quantRowwise(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        int blocks = in / 32;
        long rowBytes = w.dtype().sizeOf(in);
        boolean q8 = w.dtype() == io.llava4j.tensor.DType.Q8_0;
        Parallel.forRange(outDim, 16, (from, to) -> {
            for (int o = from; o < to; o++) {
                float b = bias == null ? 0f : bias[o];
                for (int t = 0; t < n; t++) {
                    float v = q8 ? QuantDot.q8(w.data(), o * rowBytes, x, t * in, blocks) : QuantDot.q4(w.data(), o * rowBytes, x, t * in, blocks);
                    out[t * outDim + o] = v + b;
                }
            }
        });
    }

    /** Convenience: allocates the output. */
    public static float[] matmul(float[] x, int n, int in, Tensor w, float[] bias, int outDim) {
        float[] out = new float[n * outDim];
        matmul(x, n, in, w, bias, out, outDim);
        return out;
    }
}
