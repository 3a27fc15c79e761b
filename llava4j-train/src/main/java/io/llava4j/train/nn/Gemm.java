package io.llava4j.train.nn;

import io.llava4j.kernels.MatMul;
import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.Widen;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The three matrix products of a linear layer's forward and backward, over row-major float[] activations and a
 * {@link Weight} W [m, k] (frozen in its stored type, or a trainable float[]):
 * <ul>
 *   <li>{@link #nt}: y[n][m] = x[n][k] W^T (+ b), the forward, through core's {@link MatMul} (tiled, parallel);</li>
 *   <li>{@link #nnAcc}: dx[n][k] += dy[n][m] W, the input gradient: W's rows are widened a block at a time and each
 *       4-row tile of dy is broadcast against them (vector FMAs, parallel over rows of dy);</li>
 *   <li>{@link #tnAcc}: dW[m][k] += dy^T x, the weight gradient: both operands transposed once, then core's tiled
 *       product, then added.</li>
 * </ul>
 * {@link GemmRef} holds the plain loops these are tested against.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = io.llava4j.kernels.Vec.F;
    private static final int L = S.length();
    /** Weight rows widened at a time by {@link #nnAcc}. */
    private static final int OB = 32;

    private static final ThreadLocal<float[]> WBUF = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[][]> TN = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    private Gemm() {}

    /** y[n][m] = x[n][k] W^T (+ bias); y is overwritten. */
    public static void nt(float[] x, int n, int k, Weight w, float[] bias, float[] y) {
        check(w, k);
        if (n == 0) return;
        MatMul.matmul(x, n, k, w.tensor, bias, y, w.rows);
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
        Tensor xt = new Tensor("xT", DType.F32, new long[] {k, n}, MemorySegment.ofArray(xT).asSlice(0, (long) k * n * 4));
        MatMul.matmul(dyT, m, n, xt, null, tmp, k);
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
