package io.llava4j.kernels;

import io.llava4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-matrix product for prefill and vision towers in the outer-product (BLIS) form:
 * out[n][outDim] = x[n][in] . W^T (+ bias), W (outDim, in) in its stored type.
 * <ul>
 *   <li>Parallel over blocks of {@link #NR}*L output columns (L = float lanes: 64 columns at 512 bits). Each block's
 *       weight rows are widened to fp32 once (per thread, reused), then cut along the shared dimension into panels of
 *       {@link #KC} columns packed transposed, panel[k][c] = W[o0 + c][k0 + k], so one k step is NR contiguous
 *       vectors (a 64 KB panel stays in L2 while every input row streams past it).</li>
 *   <li>Register tile: 4 input rows x NR vectors of output columns = 16 accumulators; per k step NR vector loads
 *       and 4 broadcasts of x feed 16 FMAs. The accumulators are output values (no horizontal reductions); they are
 *       loaded from / stored to {@code out} once per panel.</li>
 * </ul>
 * Summation order per output: k ascending within a panel (fp32 FMA), panels in order. The plain twin is
 * {@link ScalarOps#matmul}; {@link TiledMatMul} is the previous (dot-product tile) form.
 */
public final class PackedMatMul {
    static final VectorSpecies<Float> S = Vec.F;
    /** Vectors of output columns per register tile. */
    static final int NR = 4;
    /** Rows of the shared dimension per packed panel. */
    static final int KC = 256;

    private static final ThreadLocal<float[][]> BUFS = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    private PackedMatMul() {}

    public static void matmul(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        int L = S.length(), nc = NR * L;
        int blocks = (outDim + nc - 1) / nc;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            float[][] bufs = BUFS.get();
            if (bufs[0].length < nc * in) bufs[0] = new float[nc * in];          // widened weight rows of one block
            if (bufs[1].length < KC * nc) bufs[1] = new float[KC * nc];          // one packed panel
            float[] rows = bufs[0], panel = bufs[1];
            for (int b = b0; b < b1; b++) {
                int o0 = b * nc, cols = Math.min(nc, outDim - o0);
                Widen.rows(w, (long) o0 * in, rows, 0, cols * in);
                if (cols < nc) java.util.Arrays.fill(rows, cols * in, nc * in, 0f);
                float[] dst = out;
                int dstStride = outDim, dstOff = o0;
                if (cols < nc) { // partial block: compute nc columns into a scratch, copy the valid ones
                    if (bufs[2].length < n * nc) bufs[2] = new float[n * nc];
                    dst = bufs[2];
                    dstStride = nc;
                    dstOff = 0;
                }
                for (int k0 = 0; k0 < in; k0 += KC) {
                    int kc = Math.min(KC, in - k0);
                    pack(rows, in, nc, k0, kc, panel);
                    boolean first = k0 == 0;
                    int t = 0;
                    for (; t + 4 <= n; t += 4) tile4(x, in, t, k0, kc, panel, dst, dstStride, dstOff, first, bias, o0, cols);
                    for (; t < n; t++) tile1(x, in, t, k0, kc, panel, dst, dstStride, dstOff, first, bias, o0, cols);
                }
                if (cols < nc) for (int t = 0; t < n; t++) System.arraycopy(dst, t * nc, out, t * outDim + o0, cols);
            }
        });
    }

    /** panel[k][c] = rows[c][k0 + k] for k < kc, c < nc. */
    static void pack(float[] rows, int in, int nc, int k0, int kc, float[] panel) {
        for (int c = 0; c < nc; c++) {
            int src = c * in + k0;
            for (int k = 0; k < kc; k++) panel[k * nc + c] = rows[src + k];
        }
    }

    /** Accumulator start for output column block vector j of row t: previous panels' sum, or the bias. */
    private static FloatVector start(float[] dst, int at, boolean first, float[] bias, int o0, int j, int L, int cols) {
        if (!first) return FloatVector.fromArray(S, dst, at);
        if (bias == null) return FloatVector.zero(S);
        int c = j * L;
        if (c + L <= cols) return FloatVector.fromArray(S, bias, o0 + c);
        float[] b = new float[L];
        for (int i = 0; i < L && c + i < cols; i++) b[i] = bias[o0 + c + i];
        return FloatVector.fromArray(S, b, 0);
    }

    private static void tile4(float[] x, int in, int t, int k0, int kc, float[] panel, float[] dst, int stride, int off,
                              boolean first, float[] bias, int o0, int cols) {
        int L = S.length(), nc = NR * L;
        int d0 = t * stride + off, d1 = d0 + stride, d2 = d1 + stride, d3 = d2 + stride;
        FloatVector a00 = start(dst, d0, first, bias, o0, 0, L, cols), a01 = start(dst, d0 + L, first, bias, o0, 1, L, cols),
                a02 = start(dst, d0 + 2 * L, first, bias, o0, 2, L, cols), a03 = start(dst, d0 + 3 * L, first, bias, o0, 3, L, cols);
        FloatVector a10 = first ? a00 : FloatVector.fromArray(S, dst, d1), a11 = first ? a01 : FloatVector.fromArray(S, dst, d1 + L),
                a12 = first ? a02 : FloatVector.fromArray(S, dst, d1 + 2 * L), a13 = first ? a03 : FloatVector.fromArray(S, dst, d1 + 3 * L);
        FloatVector a20 = first ? a00 : FloatVector.fromArray(S, dst, d2), a21 = first ? a01 : FloatVector.fromArray(S, dst, d2 + L),
                a22 = first ? a02 : FloatVector.fromArray(S, dst, d2 + 2 * L), a23 = first ? a03 : FloatVector.fromArray(S, dst, d2 + 3 * L);
        FloatVector a30 = first ? a00 : FloatVector.fromArray(S, dst, d3), a31 = first ? a01 : FloatVector.fromArray(S, dst, d3 + L),
                a32 = first ? a02 : FloatVector.fromArray(S, dst, d3 + 2 * L), a33 = first ? a03 : FloatVector.fromArray(S, dst, d3 + 3 * L);
        int x0 = t * in + k0, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        for (int k = 0, p = 0; k < kc; k++, p += nc) {
            FloatVector w0 = FloatVector.fromArray(S, panel, p), w1 = FloatVector.fromArray(S, panel, p + L),
                    w2 = FloatVector.fromArray(S, panel, p + 2 * L), w3 = FloatVector.fromArray(S, panel, p + 3 * L);
            FloatVector u = FloatVector.broadcast(S, x[x0 + k]);
            a00 = u.fma(w0, a00); a01 = u.fma(w1, a01); a02 = u.fma(w2, a02); a03 = u.fma(w3, a03);
            u = FloatVector.broadcast(S, x[x1 + k]);
            a10 = u.fma(w0, a10); a11 = u.fma(w1, a11); a12 = u.fma(w2, a12); a13 = u.fma(w3, a13);
            u = FloatVector.broadcast(S, x[x2 + k]);
            a20 = u.fma(w0, a20); a21 = u.fma(w1, a21); a22 = u.fma(w2, a22); a23 = u.fma(w3, a23);
            u = FloatVector.broadcast(S, x[x3 + k]);
            a30 = u.fma(w0, a30); a31 = u.fma(w1, a31); a32 = u.fma(w2, a32); a33 = u.fma(w3, a33);
        }
        a00.intoArray(dst, d0); a01.intoArray(dst, d0 + L); a02.intoArray(dst, d0 + 2 * L); a03.intoArray(dst, d0 + 3 * L);
        a10.intoArray(dst, d1); a11.intoArray(dst, d1 + L); a12.intoArray(dst, d1 + 2 * L); a13.intoArray(dst, d1 + 3 * L);
        a20.intoArray(dst, d2); a21.intoArray(dst, d2 + L); a22.intoArray(dst, d2 + 2 * L); a23.intoArray(dst, d2 + 3 * L);
        a30.intoArray(dst, d3); a31.intoArray(dst, d3 + L); a32.intoArray(dst, d3 + 2 * L); a33.intoArray(dst, d3 + 3 * L);
    }

    private static void tile1(float[] x, int in, int t, int k0, int kc, float[] panel, float[] dst, int stride, int off,
                              boolean first, float[] bias, int o0, int cols) {
        int L = S.length(), nc = NR * L, d0 = t * stride + off;
        FloatVector a0 = start(dst, d0, first, bias, o0, 0, L, cols), a1 = start(dst, d0 + L, first, bias, o0, 1, L, cols),
                a2 = start(dst, d0 + 2 * L, first, bias, o0, 2, L, cols), a3 = start(dst, d0 + 3 * L, first, bias, o0, 3, L, cols);
        int x0 = t * in + k0;
        for (int k = 0, p = 0; k < kc; k++, p += nc) {
            FloatVector u = FloatVector.broadcast(S, x[x0 + k]);
            a0 = u.fma(FloatVector.fromArray(S, panel, p), a0);
            a1 = u.fma(FloatVector.fromArray(S, panel, p + L), a1);
            a2 = u.fma(FloatVector.fromArray(S, panel, p + 2 * L), a2);
            a3 = u.fma(FloatVector.fromArray(S, panel, p + 3 * L), a3);
        }
        a0.intoArray(dst, d0); a1.intoArray(dst, d0 + L); a2.intoArray(dst, d0 + 2 * L); a3.intoArray(dst, d0 + 3 * L);
    }
}
