package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.Widen;
import io.llava4j.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;


/**
 * The three matrix products of a linear layer's forward and backward, over row-major float[] activations and a
 * {@link Weight} W [m, k] (frozen in its stored type, or a trainable float[]):
 * <ul>
 *   <li>{@link #nt}: y[n][m] = x[n][k] W^T (+ b), the forward: 4 x 4 register tiles over widened blocks of W's rows,
 *       parallel over the blocks (core's tiled kernel, with a fixed-order lane sum so results never depend on JIT
 *       state: a resumed run computes the same bits as an uninterrupted one);</li>
 *   <li>{@link #nnAcc}: dx[n][k] += dy[n][m] W, the input gradient: W's rows are widened a block at a time and each
 *       4-row tile of dy is broadcast against them (vector FMAs, parallel over rows of dy);</li>
 *   <li>{@link #tnAcc}: dW[m][k] += dy^T x, the weight gradient: both operands transposed once, then the tiled
 *       product, then added.</li>
 * </ul>
 * {@link GemmRef} holds the plain loops these are tested against.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = io.llava4j.kernels.Vec.F;
    private static final int L = S.length();
    /** Weight rows widened at a time by {@link #nnAcc}. */
    private static final int OB = 32;
    /** Weight rows per parallel block of {@link #nt}. */
    private static final int NB = 64;

    private static final ThreadLocal<float[]> WBUF = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[][]> TN = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    private Gemm() {}

    /** y[n][m] = x[n][k] W^T (+ bias); y is overwritten. */
    public static void nt(float[] x, int n, int k, Weight w, float[] bias, float[] y) {
        check(w, k);
        if (n == 0) return;
        ntRaw(x, n, k, w, bias, y);
    }

    /**
     * The tiled product: W's rows widened a block at a time (read in place when they are a float[]), 4 x 4 register
     * tiles along the shared dimension, parallel over blocks of W's rows. Lanes are summed in a fixed order (not
     * {@code reduceLanes}, whose order may change when the JIT recompiles), so results do not depend on warm-up.
     */
    private static void ntRaw(float[] x, int n, int k, Weight w, float[] bias, float[] y) {
        int m = w.rows;
        int blocks = (m + NB - 1) / NB;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            float[] wb = null;
            if (w.dense == null) {
                wb = WBUF.get();
                if (wb.length < NB * k) { wb = new float[NB * k]; WBUF.set(wb); }
            }
            for (int b = b0; b < b1; b++) {
                int o0 = b * NB, ob = Math.min(NB, m - o0);
                float[] src;
                int off;
                if (w.dense != null) { src = w.dense; off = o0 * k; }
                else { widen(w, o0, ob, wb); src = wb; off = 0; }
                ntBlock(x, n, k, src, off, ob, o0, bias, y, m);
            }
        });
    }

    private static void ntBlock(float[] x, int n, int k, float[] wb, int wOff, int ob, int o0, float[] bias, float[] y, int m) {
        int kv = S.loopBound(k);
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            int o = 0;
            for (; o + 4 <= ob; o += 4) tile4x4(x, t, k, wb, wOff + o * k, kv, bias, o0 + o, y, m);
            for (; o < ob; o++) for (int r = 0; r < 4; r++) y[(t + r) * m + o0 + o] = dot(x, (t + r) * k, wb, wOff + o * k, k, kv) + bias(bias, o0 + o);
        }
        for (; t < n; t++) for (int o = 0; o < ob; o++) y[t * m + o0 + o] = dot(x, t * k, wb, wOff + o * k, k, kv) + bias(bias, o0 + o);
    }

    private static float bias(float[] b, int o) { return b == null ? 0f : b[o]; }

    /** Lanes summed 0..L-1: the same value whether the JIT has compiled this or not. */
    static float hsum(FloatVector v) {
        float s = 0f;
        for (int l = 0; l < L; l++) s += v.lane(l);
        return s;
    }

    /** sum_i a[ao+i] b[bo+i], i < n (vector FMAs, fixed-order lane sum, scalar tail). */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        return dot(a, ao, b, bo, n, S.loopBound(n));
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n, int kv) {
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i < kv; i += L) s = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s);
        float r = hsum(s);
        for (int i = kv; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
    }

    private static void tile4x4(float[] x, int t, int k, float[] wb, int w0, int kv, float[] bias, int o, float[] y, int m) {
        int x0 = t * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        int w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00,
                a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0; i < kv; i += L) {
            FloatVector v0 = FloatVector.fromArray(S, wb, w0 + i), v1 = FloatVector.fromArray(S, wb, w1 + i),
                    v2 = FloatVector.fromArray(S, wb, w2 + i), v3 = FloatVector.fromArray(S, wb, w3 + i);
            FloatVector u = FloatVector.fromArray(S, x, x0 + i);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(S, x, x1 + i);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(S, x, x2 + i);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(S, x, x3 + i);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        FloatVector[] acc = {a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33};
        int[] xs = {x0, x1, x2, x3}, ws = {w0, w1, w2, w3};
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) {
                float s = hsum(acc[r * 4 + c]);
                for (int i = kv; i < k; i++) s += x[xs[r] + i] * wb[ws[c] + i];
                y[(t + r) * m + o + c] = s + bias(bias, o + c);
            }
    }

    /** dx[n][k] += dy[n][m] W (W is [m, k]). */
    public static void nnAcc(float[] dy, int n, int m, Weight w, float[] dx, int k) {
        check(w, k);
        if (w.rows != m) throw new IllegalArgumentException("nnAcc: " + w + " has " + w.rows + " rows, dy has " + m + " columns");
        if (n == 0) return;
        Parallel.forRange((n + 3) / 4, 2, (a, b) -> {
            int t0 = a * 4, t1 = Math.min(n, b * 4);
            if (w.dense != null) {
                for (int o0 = 0; o0 < m; o0 += OB) nnBlock(dy, t0, t1, m, o0, Math.min(OB, m - o0), w.dense, o0 * k, dx, k);
                return;
            }
            float[] wb = WBUF.get();
            if (wb.length < OB * k) { wb = new float[OB * k]; WBUF.set(wb); }
            for (int o0 = 0; o0 < m; o0 += OB) {
                int ob = Math.min(OB, m - o0);
                widen(w, o0, ob, wb);
                nnBlock(dy, t0, t1, m, o0, ob, wb, 0, dx, k);
            }
        });
    }

    private static void widen(Weight w, int o0, int ob, float[] wb) {
        if (w.tensor.dtype().isQuantized() || w.tensor.dtype() == DType.F16 || w.tensor.dtype() == DType.BF16) {
            Widen.rows(w.tensor, (long) o0 * w.cols, wb, 0, ob * w.cols);
        } else {
            w.tensor.toFloats((long) o0 * w.cols, wb, 0, ob * w.cols);
        }
    }

    /** dx[t0..t1) += dy[t][o0..o0+ob) . wb[rows of k at wOff]. */
    private static void nnBlock(float[] dy, int t0, int t1, int m, int o0, int ob, float[] wb, int wOff, float[] dx, int k) {
        int kv = S.loopBound(k);
        int t = t0;
        for (; t + 4 <= t1; t += 4) {
            int d0 = t * m + o0, d1 = d0 + m, d2 = d1 + m, d3 = d2 + m;
            int x0 = t * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
            for (int j = 0; j < kv; j += L) {
                FloatVector a0 = FloatVector.fromArray(S, dx, x0 + j), a1 = FloatVector.fromArray(S, dx, x1 + j),
                        a2 = FloatVector.fromArray(S, dx, x2 + j), a3 = FloatVector.fromArray(S, dx, x3 + j);
                for (int o = 0; o < ob; o++) {
                    FloatVector wv = FloatVector.fromArray(S, wb, wOff + o * k + j);
                    a0 = wv.fma(FloatVector.broadcast(S, dy[d0 + o]), a0);
                    a1 = wv.fma(FloatVector.broadcast(S, dy[d1 + o]), a1);
                    a2 = wv.fma(FloatVector.broadcast(S, dy[d2 + o]), a2);
                    a3 = wv.fma(FloatVector.broadcast(S, dy[d3 + o]), a3);
                }
                a0.intoArray(dx, x0 + j); a1.intoArray(dx, x1 + j); a2.intoArray(dx, x2 + j); a3.intoArray(dx, x3 + j);
            }
            for (int j = kv; j < k; j++) {
                float s0 = dx[x0 + j], s1 = dx[x1 + j], s2 = dx[x2 + j], s3 = dx[x3 + j];
                for (int o = 0; o < ob; o++) {
                    float wv = wb[wOff + o * k + j];
                    s0 += dy[d0 + o] * wv; s1 += dy[d1 + o] * wv; s2 += dy[d2 + o] * wv; s3 += dy[d3 + o] * wv;
                }
                dx[x0 + j] = s0; dx[x1 + j] = s1; dx[x2 + j] = s2; dx[x3 + j] = s3;
            }
        }
        for (; t < t1; t++) {
            int d0 = t * m + o0, x0 = t * k;
            for (int j = 0; j < kv; j += L) {
                FloatVector a0 = FloatVector.fromArray(S, dx, x0 + j);
                for (int o = 0; o < ob; o++) a0 = FloatVector.fromArray(S, wb, wOff + o * k + j).fma(FloatVector.broadcast(S, dy[d0 + o]), a0);
                a0.intoArray(dx, x0 + j);
            }
            for (int j = kv; j < k; j++) {
                float s0 = dx[x0 + j];
                for (int o = 0; o < ob; o++) s0 += dy[d0 + o] * wb[wOff + o * k + j];
                dx[x0 + j] = s0;
            }
        }
    }

    /** dW[m][k] += dy[n][m]^T x[n][k]. */
    public static void tnAcc(float[] dy, float[] x, int n, int m, int k, float[] dW) {
        if (n == 0) return;
        float[][] s = TN.get();
        if (s[0].length < m * n) s[0] = new float[m * n];
        if (s[1].length < k * n) s[1] = new float[k * n];
        if (s[2].length < m * k) s[2] = new float[m * k];
        float[] dyT = s[0], xT = s[1], tmp = s[2];
        transpose(dy, n, m, dyT);
        transpose(x, n, k, xT);
        ntRaw(dyT, m, n, Weight.frozenView("xT", xT, k, n), null, tmp);
        add(dW, tmp, m * k);
    }

    /** a[r][c] -> out[c][r]. */
    public static void transpose(float[] a, int r, int c, float[] out) {
        final int B = 32;
        for (int i0 = 0; i0 < r; i0 += B)
            for (int j0 = 0; j0 < c; j0 += B) {
                int i1 = Math.min(r, i0 + B), j1 = Math.min(c, j0 + B);
                for (int i = i0; i < i1; i++) for (int j = j0; j < j1; j++) out[j * r + i] = a[i * c + j];
            }
    }

    /** y[0..n) += x[0..n). */
    public static void add(float[] y, float[] x, int n) {
        int i = 0;
        for (int b = S.loopBound(n); i < b; i += L) FloatVector.fromArray(S, y, i).add(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        for (; i < n; i++) y[i] += x[i];
    }

    /** db[m] += sum over rows of dy[n][m]. */
    public static void biasAcc(float[] dy, int n, int m, float[] db) {
        for (int t = 0; t < n; t++) {
            int o = t * m, j = 0;
            for (int b = S.loopBound(m); j < b; j += L) FloatVector.fromArray(S, db, j).add(FloatVector.fromArray(S, dy, o + j)).intoArray(db, j);
            for (; j < m; j++) db[j] += dy[o + j];
        }
    }

    private static void check(Weight w, int k) {
        if (w.cols != k) throw new IllegalArgumentException("weight " + w + " takes " + w.cols + " inputs, got " + k);
    }
}
