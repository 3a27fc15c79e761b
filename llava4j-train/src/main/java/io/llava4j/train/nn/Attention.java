package io.llava4j.train.nn;

import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.VectorOps;

import java.util.Arrays;

/**
 * Scaled dot-product attention forward/backward over packed rows: q (T, H*d), k and v (T, KV*d), out (T, H*d);
 * grouped-query: query head h reads kv head h / (H / KV). Causal or full; keys at positions >= validLen are masked
 * (right padding), so a padded batch gives its real rows the values of the unpadded one. The forward keeps the
 * log-sum-exp of every (head, row); the backward recomputes the probabilities from it row by row (flash-attention
 * style), so no T x T matrix is stored. Parallel over kv heads (each owns its dk, dv and its query heads' dq). Dots use
 * {@link Gemm#dot} (fixed-order lane sums), so results do not depend on JIT state.
 */
public final class Attention {
    private Attention() {}

    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] row(int n) {
        float[] r = ROW.get();
        if (r.length < n) { r = new float[n]; ROW.set(r); }
        return r;
    }

    private static int keys(int i, boolean causal, int validLen) {
        return causal ? Math.min(i + 1, validLen) : validLen;
    }

    /** out = softmax(scale q k^T + mask) v; lse (H, T) = log-sum-exp of each score row. */
    public static void forward(float[] q, float[] k, float[] v, int T, int H, int KV, int d, float scale,
                               boolean causal, int validLen, float[] out, float[] lse) {
        check(H, KV, T, validLen);
        int rep = H / KV, qs = H * d, ks = KV * d;
        Parallel.forRange(KV, 1, (g0, g1) -> {
            float[] p = row(T);
            for (int g = g0; g < g1; g++)
                for (int h = g * rep; h < (g + 1) * rep; h++)
                    for (int i = 0; i < T; i++) {
                        int qo = i * qs + h * d, oo = qo;
                        int nk = keys(i, causal, validLen);
                        Arrays.fill(out, oo, oo + d, 0f);
                        if (nk <= 0) { lse[h * T + i] = Float.NEGATIVE_INFINITY; continue; }
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < nk; j++) {
                            float s = Gemm.dot(q, qo, k, j * ks + g * d, d) * scale;
                            p[j] = s;
                            if (s > max) max = s;
                        }
                        double sum = 0;
                        for (int j = 0; j < nk; j++) { float e = (float) Math.exp(p[j] - max); p[j] = e; sum += e; }
                        float inv = (float) (1.0 / sum);
                        for (int j = 0; j < nk; j++) VectorOps.axpy(p[j] * inv, v, j * ks + g * d, out, oo, d);
                        lse[h * T + i] = max + (float) Math.log(sum);
                    }
        });
    }

    /**
     * dq, dk, dv (overwritten) from dout, with the forward's q, k, v, out and lse. With P recomputed as
     * exp(scale q k^T - lse): dv = P^T dout, dP = dout v^T, dS = P (dP - rowsum(dout o out)), dq = scale dS k,
     * dk = scale dS^T q.
     */
    public static void backward(float[] dout, float[] q, float[] k, float[] v, float[] out, float[] lse, int T, int H, int KV,
                                int d, float scale, boolean causal, int validLen, float[] dq, float[] dk, float[] dv) {
        check(H, KV, T, validLen);
        int rep = H / KV, qs = H * d, ks = KV * d;
        Arrays.fill(dq, 0, T * qs, 0f);
        Arrays.fill(dk, 0, T * ks, 0f);
        Arrays.fill(dv, 0, T * ks, 0f);
        Parallel.forRange(KV, 1, (g0, g1) -> {
            float[] p = row(T);
            for (int g = g0; g < g1; g++)
                for (int h = g * rep; h < (g + 1) * rep; h++)
                    for (int i = 0; i < T; i++) {
                        int qo = i * qs + h * d;
                        int nk = keys(i, causal, validLen);
                        if (nk <= 0) continue;
                        float l = lse[h * T + i];
                        float D = Gemm.dot(dout, qo, out, qo, d);
                        for (int j = 0; j < nk; j++) {
                            int ko = j * ks + g * d;
                            float pj = (float) Math.exp(Gemm.dot(q, qo, k, ko, d) * scale - l);
                            VectorOps.axpy(pj, dout, qo, dv, ko, d);
                            float dp = Gemm.dot(dout, qo, v, ko, d);
                            p[j] = pj * (dp - D) * scale;
                        }
                        for (int j = 0; j < nk; j++) {
                            int ko = j * ks + g * d;
                            float ds = p[j];
                            VectorOps.axpy(ds, k, ko, dq, qo, d);
                            VectorOps.axpy(ds, q, qo, dk, ko, d);
                        }
                    }
        });
    }

    private static void check(int H, int KV, int T, int validLen) {
        if (KV <= 0 || H % KV != 0) throw new IllegalArgumentException("attention heads " + H + " not a multiple of kv heads " + KV);
        if (validLen < 0 || validLen > T) throw new IllegalArgumentException("validLen " + validLen + " outside [0, " + T + "]");
    }
}
