package io.llava4j.kernels;

import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Plain reference versions of the kernels (the twins the fast versions are tested against). */
public final class ScalarOps {
    private ScalarOps() {}

    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float r = 0;
        for (int i = 0; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
    }

    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /** out[t][o] = sum_i x[t][i] * w[o][i] (+ bias[o]); w given as widened floats [out][in]. */
    public static void matmul(float[] x, int n, int in, float[] w, float[] bias, float[] out, int outDim) {
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < outDim; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += (double) x[t * in + i] * w[o * in + i];
                out[t * outDim + o] = (float) s;
            }
        }
    }

    /** Plain dot of weight row {@code row} (widened by the reference dequantizer) with x[xo..xo+in), summed in double. */
    public static float dotRow(Tensor w, long row, float[] x, int xo, int in) {
        float[] r = new float[in];
        w.toFloats(row * in, r, 0, in);
        double s = 0;
        for (int i = 0; i < in; i++) s += (double) r[i] * x[xo + i];
        return (float) s;
    }

    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Q8_0 blocks at byte off, plain loops (the fallback below 256-bit vectors). */
    public static float dotQ8_0(MemorySegment w, long off, float[] x, int xo, int blocks) {
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            long base = off + b * 34L;
            float s = 0;
            for (int j = 0; j < 32; j++) s += w.get(ValueLayout.JAVA_BYTE, base + 2 + j) * x[xo + 32 * b + j];
            acc += Float.float16ToFloat(w.get(H, base)) * s;
        }
        return acc;
    }

    public static float dotQ4_0(MemorySegment w, long off, float[] x, int xo, int blocks) {
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            long base = off + b * 18L;
            float s = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                s += ((q & 0x0f) - 8) * x[xo + 32 * b + j] + ((q >>> 4) - 8) * x[xo + 32 * b + 16 + j];
            }
            acc += Float.float16ToFloat(w.get(H, base)) * s;
        }
        return acc;
    }

    public static float dotQ4_K(MemorySegment w, long off, float[] x, int xo, int superBlocks) {
        float[] v = new float[256];
        float acc = 0;
        for (int b = 0; b < superBlocks; b++) {
            Quant.dequantize(io.llava4j.tensor.DType.Q4_K, w.asSlice(off + b * 144L, 144), 0, v, 0, 1);
            for (int i = 0; i < 256; i++) acc += v[i] * x[xo + 256 * b + i];
        }
        return acc;
    }

    /** Q6_K super-blocks at byte off: each widened by the reference dequantizer, then a plain float dot. */
    public static float dotQ6_K(MemorySegment w, long off, float[] x, int xo, int superBlocks) {
        float[] v = new float[256];
        float acc = 0;
        for (int b = 0; b < superBlocks; b++) {
            Quant.dequantize(io.llava4j.tensor.DType.Q6_K, w.asSlice(off + b * 210L, 210), 0, v, 0, 1);
            for (int i = 0; i < 256; i++) acc += v[i] * x[xo + 256 * b + i];
        }
        return acc;
    }

    /** Blocks of any quantized type at byte off (Q5_0, Q5_1, Q5_K below 256-bit vectors): dequantized one at a time, plain float dot. */
    public static float dotBlocks(io.llava4j.tensor.DType t, MemorySegment w, long off, float[] x, int xo, int blocks) {
        int bs = t.blockSize(), bb = t.blockBytes();
        float[] v = new float[bs];
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            Quant.dequantize(t, w.asSlice(off + (long) b * bb, bb), 0, v, 0, 1);
            for (int i = 0; i < bs; i++) acc += v[i] * x[xo + bs * b + i];
        }
        return acc;
    }

    /** Exact GELU in double (the twin of {@link Activations#geluErf}). */
    public static void geluErf(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            double x = a[i];
            a[i] = (float) (0.5 * x * (1.0 + Erf.erf(x * 0.7071067811865476)));
        }
    }

    public static void geluTanh(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            double x = a[i];
            a[i] = (float) (0.5 * x * (1.0 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
        }
    }

    public static void quickGelu(float[] a, int n) {
        for (int i = 0; i < n; i++) a[i] = (float) (a[i] / (1.0 + Math.exp(-1.702 * a[i])));
    }

    public static void silu(float[] a, int n) {
        for (int i = 0; i < n; i++) a[i] = (float) (a[i] / (1.0 + Math.exp(-(double) a[i])));
    }

    /**
     * Plain attention (the twin of {@link AttentionKernel#attend}): per head and query, scores by dot products, a
     * double-sum softmax, then the weighted sum of values.
     */
    public static void attention(float[] q, float[] k, float[] v, int n, int len, int start, int heads, int kvHeads, int d,
                                 float scale, boolean causal, int window, float[] out) {
        int group = heads / kvHeads, qDim = heads * d, kvDim = kvHeads * d;
        float[] scores = new float[len];
        for (int h = 0; h < heads; h++) {
            int kh = h / group;
            for (int i = 0; i < n; i++) {
                int qo = i * qDim + h * d;
                int last = causal ? start + i : len - 1;
                int first = causal && window > 0 ? Math.max(0, last - window + 1) : 0;
                int cnt = last - first + 1;
                for (int j = 0; j < cnt; j++) scores[j] = dot(q, qo, k, (first + j) * kvDim + kh * d, d) * scale;
                Softmax.softmax(scores, 0, cnt);
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int j = 0; j < cnt; j++) acc += (double) scores[j] * v[(first + j) * kvDim + kh * d + c];
                    out[qo + c] = (float) acc;
                }
            }
        }
    }
}
