package io.llava4j.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused attention kernel against the plain twin: full and causal, windows, grouped-query, both query-count forms. */
class AttentionTwinTest {
    @AfterEach
    void restoreThreads() { Parallel.setThreads(Runtime.getRuntime().availableProcessors()); }

    @Test
    void fusedAttentionMatchesTheTwin() {
        SplittableRandom r = new SplittableRandom(6);
        // n, start, heads, kvHeads, d, causal, window
        int[][] cases = {{17, 0, 4, 4, 8, 0, 0}, {33, 0, 3, 1, 64, 0, 0}, {1, 40, 4, 2, 16, 1, 0}, {3, 10, 4, 4, 12, 1, 0},
                {20, 0, 8, 2, 16, 1, 0}, {25, 7, 4, 4, 32, 1, 9}, {9, 30, 2, 1, 20, 1, 5}, {40, 0, 2, 2, 64, 0, 0}};
        double worst = 0;
        for (int[] c : cases) {
            int n = c[0], start = c[1], heads = c[2], kvHeads = c[3], d = c[4], len = c[5] == 1 ? start + n : n, window = c[6];
            boolean causal = c[5] == 1;
            float[] q = new float[n * heads * d], k = new float[len * kvHeads * d], v = new float[len * kvHeads * d];
            for (int i = 0; i < q.length; i++) q[i] = (float) (r.nextGaussian() * 2);
            for (int i = 0; i < k.length; i++) { k[i] = (float) r.nextGaussian(); v[i] = (float) r.nextGaussian(); }
            float scale = (float) (1 / Math.sqrt(d));
            float[] expect = new float[q.length];
            ScalarOps.attention(q, k, v, n, len, start, heads, kvHeads, d, scale, causal, window, expect);
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                float[] got = new float[q.length];
                AttentionKernel.attend(q, k, v, n, len, start, heads, kvHeads, d, scale, causal, window, got);
                for (int i = 0; i < got.length; i++) {
                    double e = Math.abs(got[i] - expect[i]);
                    worst = Math.max(worst, e);
                    assertTrue(e < 2e-5, "case n=" + n + " d=" + d + " causal=" + causal + " window=" + window + " [" + i + "] " + got[i] + " vs " + expect[i]);
                }
            }
        }
        System.out.printf("[diff] fused attention vs twin: max abs diff %.3e%n", worst);
    }
}
