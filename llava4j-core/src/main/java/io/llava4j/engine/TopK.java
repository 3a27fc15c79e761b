package io.llava4j.engine;

import java.util.Arrays;

/** Indices of the k largest logits, largest first (lowest id first on ties). */
public final class TopK {
    private TopK() {}

    public static int[] of(float[] a, int k) {
        int[] best = new int[Math.min(k, a.length)];
        Arrays.fill(best, -1);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < best.length; j++) {
                if (best[j] < 0 || a[i] > a[best[j]]) {
                    System.arraycopy(best, j, best, j + 1, best.length - j - 1);
                    best[j] = i;
                    break;
                }
            }
        }
        return best;
    }
}
