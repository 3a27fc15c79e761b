package io.llava4j.kernels;

import io.llava4j.tensor.Tensor;

/**
 * Linear layers: out[n][outDim] = x[n][in] · W^T + b, with W stored [outDim][in] (nn.Linear layout) in its stored
 * type. Routing: fewer than 4 input rows (decode) go to {@link MatVec}, which reads
 * F32/F16/BF16/Q8_0/Q4_0/Q4_K/Q5_0/Q5_1/Q5_K/Q6_K rows straight from the segment; 4 rows or more (prefill, vision) to
 * {@link PackedMatMul} (outer-product form with packed weight panels; 164-173 vs 111-153 GFLOP/s for
 * {@link TiledMatMul} on CLIP-L and LLaMA-7B shapes, F16 and Q8_0, 2 threads, same sitting). Other storage types use
 * the generic row-wise form.
 */
public final class MatMul {
    private MatMul() {}

    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    public static void matmul(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        if (w.numel() != (long) outDim * in) {
            throw new IllegalArgumentException("matmul: weight " + w + " is not [" + outDim + ", " + in + "]");
        }
        switch (w.dtype()) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K, Q6_K -> {
                if (n >= 4) PackedMatMul.matmul(x, n, in, w, bias, out, outDim);
                else MatVec.matvec(x, n, in, w, bias, out, outDim);
            }
            default -> rowwise(x, n, in, w, bias, out, outDim);
        }
    }

    /**
     * As {@link #matmul(float[], int, int, Tensor, float[], float[], int)}, but every output row is computed exactly as
     * it would be for that input row alone (the decode kernels for any n): batched decoding of several sequences gives
     * each one the same numbers as decoding it by itself. The weights are still read once for all rows.
     */
    public static void matmulRowExact(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        if (w.numel() != (long) outDim * in) {
            throw new IllegalArgumentException("matmul: weight " + w + " is not [" + outDim + ", " + in + "]");
        }
        switch (w.dtype()) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K, Q6_K -> MatVec.matvec(x, n, in, w, bias, out, outDim);
            default -> rowwise(x, n, in, w, bias, out, outDim);
        }
    }

    /** Row-wise form for any storage type: each weight row widened once into a per-thread buffer, dotted with every input row. */
    public static void rowwise(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
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

    /** Convenience: allocates the output. */
    public static float[] matmul(float[] x, int n, int in, Tensor w, float[] bias, int outDim) {
        float[] out = new float[n * outDim];
        matmul(x, n, in, w, bias, out, outDim);
        return out;
    }
}
