package io.llava4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.llava4j.kernels.Vec.F;
import static io.llava4j.kernels.Vec.L;

/**
 * Fused scaled dot-product attention (scores, softmax, weighted sum) per head, for packed rows: q (n, heads*d),
 * k and v (len, kvHeads*d), out (n, heads*d); query head h reads kv head h / (heads / kvHeads); query i sits at
 * position start + i and, when causal, sees keys [0, start + i] (the last {@code window} of them when window > 0).
 * <p>
 * Many queries (prefill, vision): one job per head; the head's keys are first transposed into a (d, len) panel so the
 * scores of 16 keys come out of d broadcast-FMAs with no horizontal sums, and the softmax uses vector exp. Few queries
 * (decode): one dot product per key. Scratch arrays are per thread and reused. The plain twin is
 * {@link ScalarOps#attention}.
 */
public final class AttentionKernel {
    private AttentionKernel() {}

    /** Queries per call from which the transposed-key form is used. */
    static final int TRANSPOSE_FROM = 8;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    public static void attend(float[] q, float[] k, float[] v, int n, int len, int start, int heads, int kvHeads, int d,
                              float scale, boolean causal, int window, float[] out) {
        if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " heads over " + kvHeads + " kv heads");
        if (n >= TRANSPOSE_FROM) {
            Parallel.forRange(heads, 1, (h0, h1) -> {
                for (int h = h0; h < h1; h++) headTransposed(q, k, v, n, len, start, heads, kvHeads, d, scale, causal, window, out, h);
            });
        } else {
            Parallel.forRange(heads * n, 1, (j0, j1) -> {
                for (int job = j0; job < j1; job++) {
                    int h = job / n, i = job % n;
                    float[] scores = scratch(0, len);
                    int kh = h / (heads / kvHeads), qDim = heads * d, kvDim = kvHeads * d;
                    int last = causal ? start + i : len - 1;
                    int first = causal && window > 0 ? Math.max(0, last - window + 1) : 0;
                    int cnt = last - first + 1, qo = i * qDim + h * d;
                    for (int j = 0; j < cnt; j++) scores[j] = VectorOps.dot(q, qo, k, (first + j) * kvDim + kh * d, d) * scale;
                    weighted(scores, cnt, v, first, kvDim, kh * d, d, out, qo);
                }
            });
        }
    }

    private static float[] scratch(int which, int size) {
        float[][] s = SCRATCH.get();
        if (s[which].length < size) s[which] = new float[size];
        return s[which];
    }

    /** All queries of head h: keys of kv head kh transposed into kt (d, len), scores by broadcast-FMA over 16 keys. */
    private static void headTransposed(float[] q, float[] k, float[] v, int n, int len, int start, int heads, int kvHeads,
                                       int d, float scale, boolean causal, int window, float[] out, int h) {
        int kh = h / (heads / kvHeads), qDim = heads * d, kvDim = kvHeads * d;
        int lenPad = (len + L - 1) / L * L;
        float[] kt = scratch(1, d * lenPad);
        float[] scores = scratch(0, lenPad);
        for (int j = 0; j < len; j++) {
            int ko = j * kvDim + kh * d;
            for (int c = 0; c < d; c++) kt[c * lenPad + j] = k[ko + c];
        }
        for (int j = len; j < lenPad; j++) for (int c = 0; c < d; c++) kt[c * lenPad + j] = 0f;
        for (int i = 0; i < n; i++) {
            int last = causal ? start + i : len - 1;
            int first = causal && window > 0 ? Math.max(0, last - window + 1) : 0;
            int qo = i * qDim + h * d;
            int j0 = first - first % L, j1 = last + 1; // score lanes [j0, j1), vector-aligned start
            int j = j0;
            for (; j + 4 * L <= j1; j += 4 * L) { // four independent accumulators: the FMA chains overlap
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                for (int c = 0; c < d; c++) {
                    FloatVector qc = FloatVector.broadcast(F, q[qo + c]);
                    int row = c * lenPad + j;
                    s0 = FloatVector.fromArray(F, kt, row).fma(qc, s0);
                    s1 = FloatVector.fromArray(F, kt, row + L).fma(qc, s1);
                    s2 = FloatVector.fromArray(F, kt, row + 2 * L).fma(qc, s2);
                    s3 = FloatVector.fromArray(F, kt, row + 3 * L).fma(qc, s3);
                }
                s0.mul(scale).intoArray(scores, j);
                s1.mul(scale).intoArray(scores, j + L);
                s2.mul(scale).intoArray(scores, j + 2 * L);
                s3.mul(scale).intoArray(scores, j + 3 * L);
            }
            for (; j < j1; j += L) {
                FloatVector s = FloatVector.zero(F);
                for (int c = 0; c < d; c++) s = FloatVector.fromArray(F, kt, c * lenPad + j).fma(FloatVector.broadcast(F, q[qo + c]), s);
                s.mul(scale).intoArray(scores, j);
            }
            weighted(scores, first, j1, v, kvDim, kh * d, d, out, qo);
        }
    }

    /** Softmax over scores[0..cnt) (keys first..first+cnt), then out[oo..oo+d) = sum p_j v_j. */
    private static void weighted(float[] scores, int cnt, float[] v, int first, int kvDim, int vo, int d, float[] out, int oo) {
        float max = max(scores, 0, cnt);
        float sum = expSum(scores, 0, cnt, max);
        accumulate(scores, 0, cnt, v, first, kvDim, vo, d, out, oo, 1f / sum);
    }

    /** The same over scores[first..last) indexed by key. */
    private static void weighted(float[] scores, int first, int end, float[] v, int kvDim, int vo, int d, float[] out, int oo) {
        float max = max(scores, first, end - first);
        float sum = expSum(scores, first, end - first, max);
        accumulate(scores, first, end - first, v, first, kvDim, vo, d, out, oo, 1f / sum);
    }

    static float max(float[] a, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector mv = FloatVector.fromArray(F, a, off);
            for (i = L; i + L <= n; i += L) mv = mv.max(FloatVector.fromArray(F, a, off + i));
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[off + i]);
        return m;
    }

    /** a[off+i] = exp(a[off+i] - max) for i < n; returns the sum. */
    static float expSum(float[] a, int off, int n, float max) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector sv = FloatVector.zero(F);
            for (; i + L <= n; i += L) {
                FloatVector e = FloatVector.fromArray(F, a, off + i).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(a, off + i);
                sv = sv.add(e);
            }
            s = sv.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(a[off + i] - max);
            a[off + i] = e;
            s += e;
        }
        return s;
    }

    /** out[oo..oo+d) = inv * sum_j p[off+j] * v[(first+j)*kvDim + vo ..], j < n; up to four output vectors at a time. */
    private static void accumulate(float[] p, int off, int n, float[] v, int first, int kvDim, int vo, int d, float[] out, int oo, float inv) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < n; j++) {
                FloatVector pj = FloatVector.broadcast(F, p[off + j]);
                int row = (first + j) * kvDim + vo + c;
                a0 = FloatVector.fromArray(F, v, row).fma(pj, a0);
                a1 = FloatVector.fromArray(F, v, row + L).fma(pj, a1);
                a2 = FloatVector.fromArray(F, v, row + 2 * L).fma(pj, a2);
                a3 = FloatVector.fromArray(F, v, row + 3 * L).fma(pj, a3);
            }
            a0.mul(inv).intoArray(out, oo + c);
            a1.mul(inv).intoArray(out, oo + c + L);
            a2.mul(inv).intoArray(out, oo + c + 2 * L);
            a3.mul(inv).intoArray(out, oo + c + 3 * L);
        }
        for (; c + L <= d; c += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < n; j++) acc = FloatVector.fromArray(F, v, (first + j) * kvDim + vo + c).fma(FloatVector.broadcast(F, p[off + j]), acc);
            acc.mul(inv).intoArray(out, oo + c);
        }
        for (; c < d; c++) {
            float acc = 0;
            for (int j = 0; j < n; j++) acc += p[off + j] * v[(first + j) * kvDim + vo + c];
            out[oo + c] = acc * inv;
        }
    }
}
