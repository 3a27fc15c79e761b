package io.llava4j.llm;

import java.util.Arrays;

/** Per-layer key/value rows for the positions seen so far: k[layer] and v[layer] are (capacity, kvDim). Grows on demand. */
public final class KvCache {
    private final int kvDim;
    private final float[][] k, v;
    private int length;
    /** DecoderLm's work arrays for decode-sized steps of this sequence (see ForwardBuffers); null until the first. */
    ForwardBuffers buffers;

    public KvCache(int layers, int kvDim, int initialCapacity) {
        this.kvDim = kvDim;
        this.k = new float[layers][Math.max(1, initialCapacity) * kvDim];
        this.v = new float[layers][Math.max(1, initialCapacity) * kvDim];
    }

    /** Number of positions stored. */
    public int length() { return length; }

    public float[] keys(int layer) { return k[layer]; }
    public float[] values(int layer) { return v[layer]; }

    /** Makes room for n more positions. */
    void reserve(int n) {
        int need = (length + n) * kvDim;
        if (k[0].length >= need) return;
        int cap = Math.max(need, k[0].length * 2);
        for (int l = 0; l < k.length; l++) { k[l] = Arrays.copyOf(k[l], cap); v[l] = Arrays.copyOf(v[l], cap); }
    }

    void advance(int n) { length += n; }

    /** Forgets positions from {@code newLength} on (e.g. to re-run a turn). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        length = newLength;
    }
}
