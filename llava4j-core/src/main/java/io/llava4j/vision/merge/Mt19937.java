package io.llava4j.vision.merge;

/**
 * The Mersenne Twister as PyTorch's CPU generator uses it ({@code torch.manual_seed(s)} = init_genrand(s)); with
 * {@link #nextTorchFloat()} it reproduces {@code torch.rand} in float32: (next 32-bit output & 0xFFFFFF) * 2^-24.
 * Used to give Chat-UniVi's clustering the same tie-breaking noise as the reference for a given seed.
 */
public final class Mt19937 {
    private final int[] mt = new int[624];
    private int index = 624;

    public Mt19937(long seed) {
        mt[0] = (int) seed;
        for (int i = 1; i < 624; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }

    public int nextInt() {
        if (index >= 624) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** One float32 value of torch.rand. */
    public float nextTorchFloat() {
        return (nextInt() & 0xFFFFFF) * (1.0f / (1 << 24));
    }

    private void twist() {
        for (int i = 0; i < 624; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
            int v = mt[(i + 397) % 624] ^ (y >>> 1);
            if ((y & 1) != 0) v ^= 0x9908b0df;
            mt[i] = v;
        }
        index = 0;
    }
}
