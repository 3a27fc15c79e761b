package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;

import java.util.Arrays;

/**
 * Scaled dot-product attention forward/backward over packed rows: q (T, H*d), k and v (T, KV*d), out (T, H*d);
 * grouped-query: query head h reads kv head h / (H / KV). Causal or full; keys at positions >= validLen are masked
 * (right padding), so a padded batch gives its real rows the values of the unpadded one.
 *
 * <p>Per head the products are blocked matrix products through {@link Gemm#nn} (S = Q K^T, O = P V; backward
 * dP = dO V^T, dV = P^T dO, dQ = dS K, dK = dS^T Q with dS = P (dP - rowsum(dO o O)) scale); the forward keeps only the
 * log-sum-exp of every (head, row), and the backward recomputes P from it, so no T x T matrix outlives a head.
 * Packed sequences: rows [seg[i], seg[i+1]) form sequence i, which attends only within itself (positions restart at
 * each start), so several samples share every other product. Parallel over (sequence, kv head) pairs (each owns its
 * rows of dk, dv and its query heads' dq), so results do not depend on the thread count; the arithmetic is the same in
 * every JIT state.
 */
public final class Attention {
    private Attention() {}

    /** Per-thread buffers for one head. */
    private static final class Buf {
        float[] qh = new float[0], kh = new float[0], kT = new float[0], vh = new float[0], vT = new float[0], oh = new float[0],
                doh = new float[0], dqh = new float[0], dkh = new float[0], dvh = new float[0],
                s = new float[0], sT = new float[0], dp = new float[0], rowD = new float[0];

        void ensure(int T, int d) {
            if (qh.length < T * d) {
                qh = new float[T * d]; kh = new float[T * d]; kT = new float[T * d]; vh = new float[T * d]; vT = new float[T * d];
                oh = new float[T * d]; doh = new float[T * d]; dqh = new float[T * d]; dkh = new float[T * d]; dvh = new float[T * d];
            }
            if (s.length < T * T) { s = new float[T * T]; sT = new float[T * T]; dp = new float[T * T]; rowD = new float[T]; }
        }
    }

    private static final ThreadLocal<Buf> BUF = ThreadLocal.withInitial(Buf::new);

    private static int keys(int i, boolean causal, int validLen) {
        return causal ? Math.min(i + 1, validLen) : validLen;
    }

    /** Columns [col, col+d) of rows [r0, r0+T) of a (rows, stride) matrix into dst (T, d). */
    private static void gather(float[] a, int r0, int T, int stride, int col, int d, float[] dst) {
        for (int t = 0; t < T; t++) System.arraycopy(a, (r0 + t) * stride + col, dst, t * d, d);
    }

    private static void scatter(float[] src, int T, int d, float[] a, int r0, int stride, int col) {
        for (int t = 0; t < T; t++) System.arraycopy(src, t * d, a, (r0 + t) * stride + col, d);
    }

    private static int maxLen(int[] seg) {
        int m = 0;
        for (int i = 0; i + 1 < seg.length; i++) m = Math.max(m, seg[i + 1] - seg[i]);
        return m;
    }

    /** P (T, T) from scores S = q k^T in place: masked softmax of scale * S per row, lse per row (when not null). */
    private static void softmax(float[] s, int T, float scale, boolean causal, int validLen, float[] lse, int lseOff) {
        for (int i = 0; i < T; i++) {
            int o = i * T, nk = keys(i, causal, validLen);
            if (nk <= 0) {
                Arrays.fill(s, o, o + T, 0f);
                if (lse != null) lse[lseOff + i] = Float.NEGATIVE_INFINITY;
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < nk; j++) { float v = s[o + j] * scale; s[o + j] = v; if (v > max) max = v; }
            double sum = 0;
            for (int j = 0; j < nk; j++) { float e = (float) Math.exp(s[o + j] - max); s[o + j] = e; sum += e; }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j < nk; j++) s[o + j] *= inv;
            Arrays.fill(s, o + nk, o + T, 0f);
            if (lse != null) lse[lseOff + i] = max + (float) Math.log(sum);
        }
    }

    /** P (T, T) = exp(scale * S - lse) on the unmasked entries, from scores S in place. */
    private static void probs(float[] s, int T, float scale, boolean causal, int validLen, float[] lse, int lseOff) {
        for (int i = 0; i < T; i++) {
            int o = i * T, nk = keys(i, causal, validLen);
            float l = lse[lseOff + i];
            for (int j = 0; j < nk; j++) s[o + j] = (float) Math.exp(s[o + j] * scale - l);
            Arrays.fill(s, o + Math.max(nk, 0), o + T, 0f);
        }
    }

    /** out = softmax(scale q k^T + mask) v; lse (H, T) = log-sum-exp of each score row. One sequence of T rows. */
    public static void forward(float[] q, float[] k, float[] v, int T, int H, int KV, int d, float scale,
                               boolean causal, int validLen, float[] out, float[] lse) {
        check(H, KV, T, validLen);
        forward(q, k, v, new int[] {0, T}, new int[] {validLen}, H, KV, d, scale, causal, out, lse);
    }

    /** dq, dk, dv (overwritten) from dout, with the forward's q, k, v, out and lse. One sequence of T rows. */
    public static void backward(float[] dout, float[] q, float[] k, float[] v, float[] out, float[] lse, int T, int H, int KV,
                                int d, float scale, boolean causal, int validLen, float[] dq, float[] dk, float[] dv) {
        check(H, KV, T, validLen);
        backward(dout, q, k, v, out, lse, new int[] {0, T}, new int[] {validLen}, H, KV, d, scale, causal, dq, dk, dv);
    }

    /**
     * Packed sequences: rows [seg[i], seg[i+1]) are sequence i; {@code valid[i]} of its keys are real (null = all).
     * lse is (H, total rows).
     */
    public static void forward(float[] q, float[] k, float[] v, int[] seg, int[] valid, int H, int KV, int d, float scale,
                               boolean causal, float[] out, float[] lse) {
        if (KV <= 0 || H % KV != 0) throw new IllegalArgumentException("attention heads " + H + " not a multiple of kv heads " + KV);
        int S = seg.length - 1, total = seg[S], rep = H / KV, qs = H * d, ks = KV * d, maxT = maxLen(seg);
        Parallel.forRange(S * KV, 1, (p0, p1) -> {
            Buf b = BUF.get();
            b.ensure(maxT, d);
            for (int p = p0; p < p1; p++) {
                int sq = p / KV, g = p % KV, r0 = seg[sq], T = seg[sq + 1] - r0, vl = valid == null ? T : valid[sq];
                gather(k, r0, T, ks, g * d, d, b.kh);
                Gemm.transpose(b.kh, T, d, b.kT);
                gather(v, r0, T, ks, g * d, d, b.vh);
                for (int h = g * rep; h < (g + 1) * rep; h++) {
                    gather(q, r0, T, qs, h * d, d, b.qh);
                    Gemm.nn(b.qh, 0, d, b.kT, 0, T, b.s, 0, T, T, d, T, false);
                    softmax(b.s, T, scale, causal, vl, lse, h * total + r0);
                    Gemm.nn(b.s, 0, T, b.vh, 0, d, b.oh, 0, d, T, T, d, false);
                    scatter(b.oh, T, d, out, r0, qs, h * d);
                }
            }
        });
    }

    /** Backward of the packed {@link #forward}: dq, dk, dv overwritten. */
    public static void backward(float[] dout, float[] q, float[] k, float[] v, float[] out, float[] lse, int[] seg, int[] valid,
                                int H, int KV, int d, float scale, boolean causal, float[] dq, float[] dk, float[] dv) {
        int S = seg.length - 1, total = seg[S], rep = H / KV, qs = H * d, ks = KV * d, maxT = maxLen(seg);
        Parallel.forRange(S * KV, 1, (p0, p1) -> {
            Buf b = BUF.get();
            b.ensure(maxT, d);
            float[] rowD = b.rowD;
            for (int p = p0; p < p1; p++) {
                int sq = p / KV, g = p % KV, r0 = seg[sq], T = seg[sq + 1] - r0, vl = valid == null ? T : valid[sq];
                gather(k, r0, T, ks, g * d, d, b.kh);
                Gemm.transpose(b.kh, T, d, b.kT);
                gather(v, r0, T, ks, g * d, d, b.vh);
                Gemm.transpose(b.vh, T, d, b.vT);
                Arrays.fill(b.dkh, 0, T * d, 0f);
                Arrays.fill(b.dvh, 0, T * d, 0f);
                for (int h = g * rep; h < (g + 1) * rep; h++) {
                    gather(q, r0, T, qs, h * d, d, b.qh);
                    gather(out, r0, T, qs, h * d, d, b.oh);
                    gather(dout, r0, T, qs, h * d, d, b.doh);
                    Gemm.nn(b.qh, 0, d, b.kT, 0, T, b.s, 0, T, T, d, T, false);
                    probs(b.s, T, scale, causal, vl, lse, h * total + r0);
                    // dV += P^T dO
                    Gemm.transpose(b.s, T, T, b.sT);
                    Gemm.nn(b.sT, 0, T, b.doh, 0, d, b.dvh, 0, d, T, T, d, true);
                    // dP = dO V^T ; dS = P (dP - D) scale
                    Gemm.nn(b.doh, 0, d, b.vT, 0, T, b.dp, 0, T, T, d, T, false);
                    for (int i = 0; i < T; i++) rowD[i] = Gemm.dot(b.doh, i * d, b.oh, i * d, d);
                    for (int i = 0; i < T; i++) {
                        int o = i * T;
                        float Di = rowD[i];
                        for (int j = 0; j < T; j++) b.dp[o + j] = b.s[o + j] * (b.dp[o + j] - Di) * scale;
                    }
                    // dQ = dS K ; dK += dS^T Q
                    Gemm.nn(b.dp, 0, T, b.kh, 0, d, b.dqh, 0, d, T, T, d, false);
                    scatter(b.dqh, T, d, dq, r0, qs, h * d);
                    Gemm.transpose(b.dp, T, T, b.sT);
                    Gemm.nn(b.sT, 0, T, b.qh, 0, d, b.dkh, 0, d, T, T, d, true);
                }
                scatter(b.dkh, T, d, dk, r0, ks, g * d);
                scatter(b.dvh, T, d, dv, r0, ks, g * d);
            }
        });
    }

    private static void check(int H, int KV, int T, int validLen) {
        if (KV <= 0 || H % KV != 0) throw new IllegalArgumentException("attention heads " + H + " not a multiple of kv heads " + KV);
        if (validLen < 0 || validLen > T) throw new IllegalArgumentException("validLen " + validLen + " outside [0, " + T + "]");
    }
}
