package io.llava4j.train.loop;

import java.util.SplittableRandom;

/**
 * The order in which an epoch visits the samples: a permutation of {@code 0..n-1} that depends only on the epoch, so
 * a resumed run sees the same order (no sampler state to save). A modality-grouped order can be plugged in the same way.
 */
@FunctionalInterface
public interface DataOrder {
    int[] order(int epoch);

    /** A Fisher-Yates shuffle seeded by (seed, epoch). */
    static DataOrder shuffled(int n, long seed) {
        return epoch -> {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = i;
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            return p;
        };
    }

    /** Samples in file order every epoch. */
    static DataOrder sequential(int n) {
        return epoch -> {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) p[i] = i;
            return p;
        };
    }
}
