package io.llava4j.llm;

/**
 * The work arrays of one {@link DecoderLm#forward} call over n positions: normed input a (n, hidden), q and the
 * attention output (n, qDim), k and v (n, kvDim), the o and down projections (n, hidden), gate and up (n, inter), and
 * one hidden row. A sequence's {@link KvCache} keeps the set made for decode-sized calls, so decoding a token
 * allocates nothing but its logits; prefill-sized calls (more than {@link #KEEP_ROWS} rows) get a fresh set that is
 * reused across layers and dropped after the call.
 */
final class ForwardBuffers {
    /** Largest n whose buffers stay with the cache (a few rows: speculative or batched steps). */
    static final int KEEP_ROWS = 8;

    final int rows;
    final float[] a, q, att, k, v, o, gate, up, down, row;

    ForwardBuffers(DecoderConfig cfg, int rows) {
        int h = cfg.hiddenSize(), qDim = cfg.qDim(), kvDim = cfg.kvDim(), inter = cfg.intermediateSize();
        this.rows = rows;
        a = new float[rows * h];
        q = new float[rows * qDim];
        att = new float[rows * qDim];
        k = new float[rows * kvDim];
        v = new float[rows * kvDim];
        o = new float[rows * h];
        gate = new float[rows * inter];
        up = new float[rows * inter];
        down = new float[rows * h];
        row = new float[h];
    }

    /** Buffers for n rows: the cache's kept set when it is large enough, else a new one (kept when n is small). */
    static ForwardBuffers forCall(KvCache cache, DecoderConfig cfg, int n) {
        ForwardBuffers kept = cache.buffers;
        if (kept != null && kept.rows >= n) return kept;
        ForwardBuffers b = new ForwardBuffers(cfg, n);
        if (n <= KEEP_ROWS) cache.buffers = b;
        return b;
    }
}
