package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.Widen;
import io.llava4j.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three matrix products of a linear layer's forward and backward, over row-major float[] activations and a
 * {@link Weight} W [m, k] (frozen in its stored type, or a trainable float[]):
 * <ul>
 *   <li>{@link #nt}: y[n][m] = x[n][k] W^T (+ b), the forward: W's rows are widened a block at a time and transposed
 *       into a panel, then multiplied as below;</li>
 *   <li>{@link #nnAcc}: dx[n][k] += dy[n][m] W, the input gradient (blocks of W's rows widened, read in place when W is
 *       a float[]);</li>
 *   <li>{@link #tnAcc}: dW[m][k] += dy^T x, the weight gradient (dy transposed once).</li>
 * </ul>
 * All three run one kernel, {@link #nn}: C (+)= A B with 4-row x 2-vector register tiles, vectorised along C's
 * columns, so no lane is ever summed across: every output is a plain sequence of FMAs in a fixed order, and the results
 * do not depend on JIT state (a resumed run computes the bits of an uninterrupted one) or on the thread count.
 * Parallel over blocks of output rows or columns through core's {@link Parallel}. {@link GemmRef} holds the plain
 * loops these are tested against.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = io.llava4j.kernels.Vec.F;
    private static final int L = S.length();
    /** Weight rows per block (widened and transposed at a time). */
    private static final int NB = 64;
    /** Blocking of the shared dimension and of C's columns, so the B panel stays in cache. */
    private static final int PB = 256, JB = 512;

    private static final ThreadLocal<float[][]> BUF = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});
    private static final ThreadLocal<float[]> DYT = ThreadLocal.withInitial(() -> new float[0]);

    private Gemm() {}

    private static float[] buf(int which, int n) {
        float[][] b = BUF.get();
        if (b[which].length < n) b[which] = new float[n];
        return b[which];
    }

    /** y[n][m] = x[n][k] W^T (+ bias); y is overwritten. */
    public static void nt(float[] x, int n, int k, Weight w, float[] bias, float[] y) {
        check(w, k);
        if (n == 0) return;
        int m = w.rows;
        int blocks = (m + NB - 1) / NB;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            float[] wb = buf(0, NB * k), wt = buf(1, NB * k);
            for (int b = b0; b < b1; b++) {
                int o0 = b * NB, ob = Math.min(NB, m - o0);
                float[] src = w.dense;
                int off = o0 * k;
                if (src == null) { widen(w, o0, ob, wb); src = wb; off = 0; }
                if (ob < L) {
                    // narrower than a vector (a LoRA A): one dot product per output
                    for (int t = 0; t < n; t++) for (int o = 0; o < ob; o++) y[t * m + o0 + o] = dot(x, t * k, src, off + o * k, k);
                } else {
                    for (int o = 0; o < ob; o++) for (int i = 0; i < k; i++) wt[i * ob + o] = src[off + o * k + i];
                    nn(x, 0, k, wt, 0, ob, y, o0, m, n, k, ob, false);
                }
                if (bias != null) for (int t = 0; t < n; t++) for (int o = 0; o < ob; o++) y[t * m + o0 + o] += bias[o0 + o];
            }
        });
    }

    /** dx[n][k] += dy[n][m] W (W is [m, k]). */
    public static void nnAcc(float[] dy, int n, int m, Weight w, float[] dx, int k) {
        check(w, k);
        if (w.rows != m) throw new IllegalArgumentException("nnAcc: " + w + " has " + w.rows + " rows, dy has " + m + " columns");
        if (n == 0) return;
        if (k < L) {
            // narrower than a vector (into a LoRA rank): dx[t][i] += dot(dy[t], column i of W)
            float[] wT = DYT.get();
            if (wT.length < k * m) { wT = new float[k * m]; DYT.set(wT); }
            float[] wf = w.dense != null ? w.dense : w.toFloats();
            transpose(wf, m, k, wT);
            final float[] t2 = wT;
            Parallel.forRange(n, 8, (a, b) -> {
                for (int t = a; t < b; t++) for (int i = 0; i < k; i++) dx[t * k + i] += dot(dy, t * m, t2, i * m, m);
            });
            return;
        }
        if (w.dense != null) {
            // split C's columns: every thread reads its columns of W in place
            int chunks = (k + 63) / 64;
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                int j0 = c0 * 64, j1 = Math.min(k, c1 * 64);
                nn(dy, 0, m, w.dense, j0, k, dx, j0, k, n, m, j1 - j0, true);
            });
            return;
        }
        if (!w.tensor.dtype().isQuantized()) {
            // stored F32/F16/BF16 weights: split C's columns; each thread widens its columns of a block of W's rows
            int cw = 128, chunks = (k + cw - 1) / cw;
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                float[] wb = buf(0, NB * cw);
                for (int c = c0; c < c1; c++) {
                    int j0 = c * cw, jw = Math.min(cw, k - j0);
                    for (int o0 = 0; o0 < m; o0 += NB) {
                        int ob = Math.min(NB, m - o0);
                        for (int o = 0; o < ob; o++) w.tensor.toFloats((long) (o0 + o) * k + j0, wb, o * jw, jw);
                        nn(dy, o0, m, wb, 0, jw, dx, j0, k, n, ob, jw, true);
                    }
                }
            });
            return;
        }
        // block-quantized weights: split the rows of dy, widen whole blocks of W's rows (in order, so sums keep one order)
        Parallel.forRange((n + 15) / 16, 1, (a, b) -> {
            int t0 = a * 16, t1 = Math.min(n, b * 16);
            float[] wb = buf(0, NB * k);
            for (int o0 = 0; o0 < m; o0 += NB) {
                int ob = Math.min(NB, m - o0);
                widen(w, o0, ob, wb);
                nn(dy, t0 * m + o0, m, wb, 0, k, dx, t0 * k, k, t1 - t0, ob, k, true);
            }
        });
    }

    /** dW[m][k] += dy[n][m]^T x[n][k]. */
    public static void tnAcc(float[] dy, float[] x, int n, int m, int k, float[] dW) {
        if (n == 0) return;
        if (k < L && m >= L) {
            // narrow x (a LoRA activation): dW^T = x^T dy along dy's wide rows, then added transposed
            float[] xT = buf(0, k * n), tmp = buf(1, k * m);
            transpose(x, n, k, xT);
            nn(xT, 0, n, dy, 0, m, tmp, 0, m, k, n, m, false);
            for (int o = 0; o < m; o++) for (int i = 0; i < k; i++) dW[o * k + i] += tmp[i * m + o];
            return;
        }
        float[] dyT = DYT.get();
        if (dyT.length < m * n) { dyT = new float[m * n]; DYT.set(dyT); }
        transpose(dy, n, m, dyT);
        final float[] a = dyT;
        Parallel.forRange((m + 7) / 8, 1, (b0, b1) -> {
            int o0 = b0 * 8, o1 = Math.min(m, b1 * 8);
            nn(a, o0 * n, n, x, 0, k, dW, o0 * k, k, o1 - o0, n, k, true);
        });
    }

    /**
     * C[r][c] (+)= sum_p A[r][p] B[p][c] for r < rows, c < cols, p < inner, with row strides lda, ldb, ldc and offsets
     * into each array. Each C element is its start value (C when {@code acc}, else 0) plus the products in increasing p,
     * fused multiply-adds in vector lanes (scalar multiply-adds for the last columns of a row).
     */
    public static void nn(float[] A, int aOff, int lda, float[] B, int bOff, int ldb, float[] C, int cOff, int ldc,
                          int rows, int inner, int cols, boolean acc) {
        for (int p0 = 0; p0 < inner; p0 += PB) {
            int p1 = Math.min(inner, p0 + PB);
            boolean add = acc || p0 > 0;
            for (int j0 = 0; j0 < cols; j0 += JB) {
                int j1 = Math.min(cols, j0 + JB);
                int r = 0;
                for (; r + 4 <= rows; r += 4) tile4(A, aOff + r * lda, lda, B, bOff, ldb, C, cOff + r * ldc, ldc, p0, p1, j0, j1, add);
                for (; r < rows; r++) row1(A, aOff + r * lda, B, bOff, ldb, C, cOff + r * ldc, p0, p1, j0, j1, add);
            }
        }
    }

    private static void tile4(float[] A, int a0, int lda, float[] B, int bOff, int ldb, float[] C, int c0, int ldc,
                              int p0, int p1, int j0, int j1, boolean add) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        int j = j0;
        for (; j + 2 * L <= j1; j += 2 * L) {
            FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
            if (add) {
                s00 = FloatVector.fromArray(S, C, c0 + j); s01 = FloatVector.fromArray(S, C, c0 + j + L);
                s10 = FloatVector.fromArray(S, C, c1 + j); s11 = FloatVector.fromArray(S, C, c1 + j + L);
                s20 = FloatVector.fromArray(S, C, c2 + j); s21 = FloatVector.fromArray(S, C, c2 + j + L);
                s30 = FloatVector.fromArray(S, C, c3 + j); s31 = FloatVector.fromArray(S, C, c3 + j + L);
            } else {
                s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = FloatVector.zero(S);
            }
            for (int p = p0; p < p1; p++) {
                int bo = bOff + p * ldb + j;
                FloatVector b0 = FloatVector.fromArray(S, B, bo), b1 = FloatVector.fromArray(S, B, bo + L);
                FloatVector x = FloatVector.broadcast(S, A[a0 + p]);
                s00 = b0.fma(x, s00); s01 = b1.fma(x, s01);
                x = FloatVector.broadcast(S, A[a1 + p]);
                s10 = b0.fma(x, s10); s11 = b1.fma(x, s11);
                x = FloatVector.broadcast(S, A[a2 + p]);
                s20 = b0.fma(x, s20); s21 = b1.fma(x, s21);
                x = FloatVector.broadcast(S, A[a3 + p]);
                s30 = b0.fma(x, s30); s31 = b1.fma(x, s31);
            }
            s00.intoArray(C, c0 + j); s01.intoArray(C, c0 + j + L);
            s10.intoArray(C, c1 + j); s11.intoArray(C, c1 + j + L);
            s20.intoArray(C, c2 + j); s21.intoArray(C, c2 + j + L);
            s30.intoArray(C, c3 + j); s31.intoArray(C, c3 + j + L);
        }
        for (; j + L <= j1; j += L) {
            FloatVector s0, s1, s2, s3;
            if (add) {
                s0 = FloatVector.fromArray(S, C, c0 + j); s1 = FloatVector.fromArray(S, C, c1 + j);
                s2 = FloatVector.fromArray(S, C, c2 + j); s3 = FloatVector.fromArray(S, C, c3 + j);
            } else {
                s0 = s1 = s2 = s3 = FloatVector.zero(S);
            }
            for (int p = p0; p < p1; p++) {
                FloatVector b0 = FloatVector.fromArray(S, B, bOff + p * ldb + j);
                s0 = b0.fma(FloatVector.broadcast(S, A[a0 + p]), s0);
                s1 = b0.fma(FloatVector.broadcast(S, A[a1 + p]), s1);
                s2 = b0.fma(FloatVector.broadcast(S, A[a2 + p]), s2);
                s3 = b0.fma(FloatVector.broadcast(S, A[a3 + p]), s3);
            }
            s0.intoArray(C, c0 + j); s1.intoArray(C, c1 + j); s2.intoArray(C, c2 + j); s3.intoArray(C, c3 + j);
        }
        for (; j < j1; j++) {
            float s0 = add ? C[c0 + j] : 0f, s1 = add ? C[c1 + j] : 0f, s2 = add ? C[c2 + j] : 0f, s3 = add ? C[c3 + j] : 0f;
            for (int p = p0; p < p1; p++) {
                float b = B[bOff + p * ldb + j];
                s0 = Math.fma(A[a0 + p], b, s0); s1 = Math.fma(A[a1 + p], b, s1);
                s2 = Math.fma(A[a2 + p], b, s2); s3 = Math.fma(A[a3 + p], b, s3);
            }
            C[c0 + j] = s0; C[c1 + j] = s1; C[c2 + j] = s2; C[c3 + j] = s3;
        }
    }

    private static void row1(float[] A, int a0, float[] B, int bOff, int ldb, float[] C, int c0, int p0, int p1, int j0, int j1, boolean add) {
        int j = j0;
        for (; j + L <= j1; j += L) {
            FloatVector s = add ? FloatVector.fromArray(S, C, c0 + j) : FloatVector.zero(S);
            for (int p = p0; p < p1; p++) s = FloatVector.fromArray(S, B, bOff + p * ldb + j).fma(FloatVector.broadcast(S, A[a0 + p]), s);
            s.intoArray(C, c0 + j);
        }
        for (; j < j1; j++) {
            float s = add ? C[c0 + j] : 0f;
            for (int p = p0; p < p1; p++) s = Math.fma(A[a0 + p], B[bOff + p * ldb + j], s);
            C[c0 + j] = s;
        }
    }

    private static void widen(Weight w, int o0, int ob, float[] wb) {
        DType dt = w.tensor.dtype();
        if (dt.isQuantized() || dt == DType.F16 || dt == DType.BF16) Widen.rows(w.tensor, (long) o0 * w.cols, wb, 0, ob * w.cols);
        else w.tensor.toFloats((long) o0 * w.cols, wb, 0, ob * w.cols);
    }

    /** Rotations by L/2, L/4, ..., 1 lanes: a fixed pairwise tree for {@link #hsum}. */
    private static final VectorShuffle<Float>[] ROT = rotations();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] rotations() {
        int steps = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[] r = new VectorShuffle[steps];
        for (int k = 0, s = L / 2; s >= 1; k++, s /= 2) {
            final int sh = s;
            r[k] = VectorShuffle.fromOp(S, i -> (i + sh) % L);
        }
        return r;
    }

    /**
     * The sum of the lanes in a fixed pairwise order (lane-wise adds of rotated copies, then lane 0), so the value is
     * the same whether the JIT has compiled this or not ({@code reduceLanes} leaves its order to the implementation).
     */
    static float hsum(FloatVector v) {
        for (VectorShuffle<Float> r : ROT) v = v.add(v.rearrange(r));
        return v.lane(0);
    }

    /** sum_i a[ao+i] b[bo+i], i < n (vector FMAs, {@link #hsum}, scalar tail): the same bits in every JIT state. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int kv = S.loopBound(n);
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i < kv; i += L) s = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s);
        float r = hsum(s);
        for (int i = kv; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
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
