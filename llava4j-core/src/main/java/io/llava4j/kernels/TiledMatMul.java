package io.llava4j.kernels;

import io.llava4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-matrix product for prefill and vision towers: out[n][outDim] = x[n][in] . W^T (+ bias), W (outDim, in) in its
 * stored type. Output rows of W are widened to fp32 in blocks of {@link #BLOCK} rows (per thread, reused), then a
 * 4 x 4 register tile (4 input rows x 4 weight rows, 16 vector accumulators) walks the shared dimension, so each
 * loaded vector feeds 4 FMAs. Parallel over weight-row blocks. The plain twin is {@link ScalarOps#matmul}.
 */
public final class TiledMatMul {
    static final VectorSpecies<Float> S = Vec.F;
    /** Weight rows widened at a time (BLOCK * in floats per thread). */
    static final int BLOCK = 64;

    private static final ThreadLocal<float[]> WBUF = ThreadLocal.withInitial(() -> new float[0]);

    private TiledMatMul() {}

    public static void matmul(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        int blocks = (outDim + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            float[] wb = WBUF.get();
            if (wb.length < BLOCK * in) { wb = new float[BLOCK * in]; WBUF.set(wb); }
            for (int b = b0; b < b1; b++) {
                int o0 = b * BLOCK, ob = Math.min(BLOCK, outDim - o0);
                Widen.rows(w, (long) o0 * in, wb, 0, ob * in);
                block(x, n, in, wb, ob, o0, bias, out, outDim);
            }
        });
    }

    /** One block of ob widened weight rows (wb) against all n input rows. */
    static void block(float[] x, int n, int in, float[] wb, int ob, int o0, float[] bias, float[] out, int outDim) {
        int L = S.length(), kv = S.loopBound(in);
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            int o = 0;
            for (; o + 4 <= ob; o += 4) tile4x4(x, t, in, wb, o, kv, L, bias, o0, out, outDim);
            for (; o < ob; o++) for (int r = 0; r < 4; r++) out[(t + r) * outDim + o0 + o] = dot(x, (t + r) * in, wb, o * in, in, kv, L) + b(bias, o0 + o);
        }
        for (; t < n; t++) for (int o = 0; o < ob; o++) out[t * outDim + o0 + o] = dot(x, t * in, wb, o * in, in, kv, L) + b(bias, o0 + o);
    }

    private static float b(float[] bias, int o) { return bias == null ? 0f : bias[o]; }

    private static void tile4x4(float[] x, int t, int in, float[] wb, int o, int kv, int L, float[] bias, int o0, float[] out, int outDim) {
        int x0 = t * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < kv; k += L) {
            FloatVector v0 = FloatVector.fromArray(S, wb, w0 + k), v1 = FloatVector.fromArray(S, wb, w1 + k),
                    v2 = FloatVector.fromArray(S, wb, w2 + k), v3 = FloatVector.fromArray(S, wb, w3 + k);
            FloatVector u = FloatVector.fromArray(S, x, x0 + k);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(S, x, x1 + k);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(S, x, x2 + k);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(S, x, x3 + k);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        if (kv == in) { // no tail: reduce and store directly
            int r0 = t * outDim + o0 + o, r1 = r0 + outDim, r2 = r1 + outDim, r3 = r2 + outDim, bo = o0 + o;
            out[r0] = a00.reduceLanes(VectorOperators.ADD) + b(bias, bo); out[r0 + 1] = a01.reduceLanes(VectorOperators.ADD) + b(bias, bo + 1);
            out[r0 + 2] = a02.reduceLanes(VectorOperators.ADD) + b(bias, bo + 2); out[r0 + 3] = a03.reduceLanes(VectorOperators.ADD) + b(bias, bo + 3);
            out[r1] = a10.reduceLanes(VectorOperators.ADD) + b(bias, bo); out[r1 + 1] = a11.reduceLanes(VectorOperators.ADD) + b(bias, bo + 1);
            out[r1 + 2] = a12.reduceLanes(VectorOperators.ADD) + b(bias, bo + 2); out[r1 + 3] = a13.reduceLanes(VectorOperators.ADD) + b(bias, bo + 3);
            out[r2] = a20.reduceLanes(VectorOperators.ADD) + b(bias, bo); out[r2 + 1] = a21.reduceLanes(VectorOperators.ADD) + b(bias, bo + 1);
            out[r2 + 2] = a22.reduceLanes(VectorOperators.ADD) + b(bias, bo + 2); out[r2 + 3] = a23.reduceLanes(VectorOperators.ADD) + b(bias, bo + 3);
            out[r3] = a30.reduceLanes(VectorOperators.ADD) + b(bias, bo); out[r3 + 1] = a31.reduceLanes(VectorOperators.ADD) + b(bias, bo + 1);
            out[r3 + 2] = a32.reduceLanes(VectorOperators.ADD) + b(bias, bo + 2); out[r3 + 3] = a33.reduceLanes(VectorOperators.ADD) + b(bias, bo + 3);
            return;
        }
        float[][] acc = {
                {a00.reduceLanes(VectorOperators.ADD), a01.reduceLanes(VectorOperators.ADD), a02.reduceLanes(VectorOperators.ADD), a03.reduceLanes(VectorOperators.ADD)},
                {a10.reduceLanes(VectorOperators.ADD), a11.reduceLanes(VectorOperators.ADD), a12.reduceLanes(VectorOperators.ADD), a13.reduceLanes(VectorOperators.ADD)},
                {a20.reduceLanes(VectorOperators.ADD), a21.reduceLanes(VectorOperators.ADD), a22.reduceLanes(VectorOperators.ADD), a23.reduceLanes(VectorOperators.ADD)},
                {a30.reduceLanes(VectorOperators.ADD), a31.reduceLanes(VectorOperators.ADD), a32.reduceLanes(VectorOperators.ADD), a33.reduceLanes(VectorOperators.ADD)}};
        int[] xs = {x0, x1, x2, x3}, ws = {w0, w1, w2, w3};
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                float s = acc[r][c];
                for (int k = kv; k < in; k++) s += x[xs[r] + k] * wb[ws[c] + k];
                out[(t + r) * outDim + o0 + o + c] = s + b(bias, o0 + o + c);
            }
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n, int kv, int L) {
        FloatVector s = FloatVector.zero(S);
        for (int k = 0; k < kv; k += L) s = FloatVector.fromArray(S, a, ao + k).fma(FloatVector.fromArray(S, b, bo + k), s);
        float r = s.reduceLanes(VectorOperators.ADD);
        for (int k = kv; k < n; k++) r += a[ao + k] * b[bo + k];
        return r;
    }
}
