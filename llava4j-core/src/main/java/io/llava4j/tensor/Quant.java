package io.llava4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K and Q6_K blocks: reference quantizers (ports of ggml's
 * {@code quantize_row_*_ref} in ggml/src/ggml-quants.c, MIT licence, (c) the ggml authors: the same float operations in
 * the same order, C {@code roundf} and ggml's {@code nearest_int}, so the bytes are those of a ggml build that does not
 * contract a*b+c into FMA) and exact dequantizers (ports of {@code dequantize_row_*}).
 */
public final class Quant {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    private Quant() {}

    /** Dequantizes {@code blocks} blocks starting at block {@code block} into dst[off..]. */
    public static void dequantize(DType t, MemorySegment data, long block, float[] dst, int off, int blocks) {
        switch (t) {
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    long base = (block + b) * 34;
                    float d = Float.float16ToFloat(data.get(F16, base));
                    for (int j = 0; j < 32; j++) dst[off + b * 32 + j] = d * data.get(I8, base + 2 + j);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    long base = (block + b) * 18;
                    float d = Float.float16ToFloat(data.get(F16, base));
                    for (int j = 0; j < 16; j++) {
                        int q = data.get(I8, base + 2 + j) & 0xff;
                        dst[off + b * 32 + j] = ((q & 0x0f) - 8) * d;
                        dst[off + b * 32 + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) dequantizeQ4K(data, (block + b) * 144, dst, off + b * 256);
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++) {
                    long base = (block + b) * 22;
                    float d = Float.float16ToFloat(data.get(F16, base));
                    int qh = data.get(I32, base + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = data.get(I8, base + 6 + j) & 0xff;
                        int x0 = ((q & 0x0f) | (((qh >>> j) << 4) & 0x10)) - 16;
                        int x1 = ((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) - 16;
                        dst[off + b * 32 + j] = x0 * d;
                        dst[off + b * 32 + j + 16] = x1 * d;
                    }
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < blocks; b++) {
                    long base = (block + b) * 24;
                    float d = Float.float16ToFloat(data.get(F16, base)), m = Float.float16ToFloat(data.get(F16, base + 2));
                    int qh = data.get(I32, base + 4);
                    for (int j = 0; j < 16; j++) {
                        int q = data.get(I8, base + 8 + j) & 0xff;
                        int x0 = (q & 0x0f) | (((qh >>> j) << 4) & 0x10);
                        int x1 = (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
                        dst[off + b * 32 + j] = x0 * d + m;
                        dst[off + b * 32 + j + 16] = x1 * d + m;
                    }
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++) dequantizeQ5K(data, (block + b) * 176, dst, off + b * 256);
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) dequantizeQ6K(data, (block + b) * 210, dst, off + b * 256);
            }
            default -> throw new IllegalArgumentException(t + " is not block-quantized");
        }
    }

    /** One Q5_K super-block at byte {@code base} into dst[off..off+256) (ggml dequantize_row_q5_K). */
    static void dequantizeQ5K(MemorySegment data, long base, float[] dst, int off) {
        float d = Float.float16ToFloat(data.get(F16, base));
        float min = Float.float16ToFloat(data.get(F16, base + 2));
        long qh = base + 16, ql = base + 48;
        int y = off, u1 = 1, u2 = 2;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
            float d1 = d * q4kScale(data, base + 4, is), m1 = min * q4kMin(data, base + 4, is);
            float d2 = d * q4kScale(data, base + 4, is + 1), m2 = min * q4kMin(data, base + 4, is + 1);
            for (int l = 0; l < 32; l++) dst[y++] = d1 * ((data.get(I8, ql + l) & 0x0f) + ((data.get(I8, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) dst[y++] = d2 * (((data.get(I8, ql + l) & 0xff) >>> 4) + ((data.get(I8, qh + l) & u2) != 0 ? 16 : 0)) - m2;
        }
    }

    /** One Q6_K super-block at byte {@code base} into dst[off..off+256) (ggml dequantize_row_q6_K): (d * sc) * q. */
    static void dequantizeQ6K(MemorySegment data, long base, float[] dst, int off) {
        float d = Float.float16ToFloat(data.get(F16, base + 208));
        for (int n = 0; n < 2; n++) {
            long ql = base + 64 * n, qh = base + 128 + 32 * n, sc = base + 192 + 8 * n;
            int y = off + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo = data.get(I8, ql + l) & 0xff, hi = data.get(I8, ql + l + 32) & 0xff, h = data.get(I8, qh + l) & 0xff;
                int q1 = ((lo & 0x0f) | ((h & 3) << 4)) - 32;
                int q2 = ((hi & 0x0f) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((lo >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((hi >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                dst[y + l] = d * data.get(I8, sc + is) * q1;
                dst[y + l + 32] = d * data.get(I8, sc + is + 2) * q2;
                dst[y + l + 64] = d * data.get(I8, sc + is + 4) * q3;
                dst[y + l + 96] = d * data.get(I8, sc + is + 6) * q4;
            }
        }
    }

    /** One Q4_K super-block at byte {@code base} into dst[off..off+256) (ggml dequantize_row_q4_K). */
    static void dequantizeQ4K(MemorySegment data, long base, float[] dst, int off) {
        float d = Float.float16ToFloat(data.get(F16, base));
        float min = Float.float16ToFloat(data.get(F16, base + 2));
        long q = base + 16;
        int y = off;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
            float d1 = d * q4kScale(data, base + 4, is), m1 = min * q4kMin(data, base + 4, is);
            float d2 = d * q4kScale(data, base + 4, is + 1), m2 = min * q4kMin(data, base + 4, is + 1);
            for (int l = 0; l < 32; l++) dst[y++] = d1 * (data.get(I8, q + l) & 0x0f) - m1;
            for (int l = 0; l < 32; l++) dst[y++] = d2 * ((data.get(I8, q + l) & 0xff) >>> 4) - m2;
        }
    }

    /** The 6-bit scale of sub-block j (0..7) of a Q4_K block whose 12 scale bytes start at {@code s} (get_scale_min_k4). */
    public static int q4kScale(MemorySegment data, long s, int j) {
        return j < 4 ? data.get(I8, s + j) & 63
                : (data.get(I8, s + j + 4) & 0x0f) | (((data.get(I8, s + j - 4) & 0xff) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block j (0..7) (get_scale_min_k4). */
    public static int q4kMin(MemorySegment data, long s, int j) {
        return j < 4 ? data.get(I8, s + j + 4) & 63
                : ((data.get(I8, s + j + 4) & 0xff) >>> 4) | (((data.get(I8, s + j) & 0xff) >>> 6) << 4);
    }

    /**
     * Quantizes x (a whole number of blocks) into a new segment of type t. The segment is off-heap (freed when
     * unreachable), so a 7B model quantized at load time does not need a heap of its size.
     */
    public static MemorySegment quantize(DType t, float[] x) {
        if (!t.isQuantized()) throw new IllegalArgumentException(t + " is not block-quantized");
        int bs = t.blockSize();
        if (x.length % bs != 0) throw new IllegalArgumentException(x.length + " values is not a whole number of " + t + " blocks of " + bs);
        MemorySegment out = java.lang.foreign.Arena.ofAuto().allocate(t.sizeOf(x.length), 64);
        io.llava4j.kernels.Parallel.forRange(x.length / bs, bs == 256 ? 256 : 4096, (from, to) -> quantizeBlocks(t, x, out, from, to));
        return out;
    }

    /** Blocks [from, to) of x into out; each block is independent, so chunks may run in parallel. */
    public static void quantizeBlocks(DType t, float[] x, MemorySegment out, int from, int to) {
        quantizeBlocks(t, x, 0, out, from, to);
    }

    /** As above, with x holding the values of blocks starting at block {@code xFirst} (x[0] is block xFirst's first value). */
    static void quantizeBlocks(DType t, float[] x, int xFirst, MemorySegment out, int from, int to) {
        Q4KScratch scratch = t.blockSize() == 256 ? new Q4KScratch() : null;
        for (int b = from; b < to; b++) {
            int xb = b - xFirst; // block index within x
            switch (t) {
                case Q8_0 -> {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xb * 32 + j]));
                    float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
                    long base = b * 34L;
                    out.set(F16, base, Float.floatToFloat16(d));
                    for (int j = 0; j < 32; j++) out.set(I8, base + 2 + j, (byte) roundf(x[xb * 32 + j] * id));
                }
                case Q4_0 -> {
                    float amax = 0, max = 0;
                    for (int j = 0; j < 32; j++) {
                        float v = x[xb * 32 + j];
                        if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
                    }
                    float d = max / -8f, id = d != 0 ? 1f / d : 0f;
                    long base = b * 18L;
                    out.set(F16, base, Float.floatToFloat16(d));
                    for (int j = 0; j < 16; j++) {
                        int q0 = Math.min(15, (byte) (int) (x[xb * 32 + j] * id + 8.5f));
                        int q1 = Math.min(15, (byte) (int) (x[xb * 32 + 16 + j] * id + 8.5f));
                        out.set(I8, base + 2 + j, (byte) (q0 | (q1 << 4)));
                    }
                }
                case Q4_K -> quantizeQ4K(x, xb * 256, out, b * 144L, scratch);
                case Q5_0 -> {
                    float amax = 0, max = 0;
                    for (int j = 0; j < 32; j++) {
                        float v = x[xb * 32 + j];
                        if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
                    }
                    float d = max / -16f, id = d != 0 ? 1f / d : 0f;
                    long base = b * 22L;
                    out.set(F16, base, Float.floatToFloat16(d));
                    int qh = 0;
                    for (int j = 0; j < 16; j++) {
                        int q0 = Math.min(31, (byte) (int) (x[xb * 32 + j] * id + 16.5f)) & 0xff;
                        int q1 = Math.min(31, (byte) (int) (x[xb * 32 + 16 + j] * id + 16.5f)) & 0xff;
                        out.set(I8, base + 6 + j, (byte) ((q0 & 0x0f) | ((q1 & 0x0f) << 4)));
                        qh |= ((q0 & 0x10) >>> 4) << j;
                        qh |= ((q1 & 0x10) >>> 4) << (j + 16);
                    }
                    out.set(I32, base + 2, qh);
                }
                case Q5_1 -> {
                    float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                    for (int j = 0; j < 32; j++) {
                        float v = x[xb * 32 + j];
                        if (v < min) min = v;
                        if (v > max) max = v;
                    }
                    float d = (max - min) / 31f, id = d != 0 ? 1f / d : 0f;
                    long base = b * 24L;
                    out.set(F16, base, Float.floatToFloat16(d));
                    out.set(F16, base + 2, Float.floatToFloat16(min));
                    int qh = 0;
                    for (int j = 0; j < 16; j++) {
                        int q0 = (int) ((x[xb * 32 + j] - min) * id + 0.5f) & 0xff;
                        int q1 = (int) ((x[xb * 32 + 16 + j] - min) * id + 0.5f) & 0xff;
                        out.set(I8, base + 8 + j, (byte) ((q0 & 0x0f) | ((q1 & 0x0f) << 4)));
                        qh |= ((q0 & 0x10) >>> 4) << j;
                        qh |= ((q1 & 0x10) >>> 4) << (j + 16);
                    }
                    out.set(I32, base + 4, qh);
                }
                case Q5_K -> quantizeQ5K(x, xb * 256, out, b * 176L, scratch);
                case Q6_K -> quantizeQ6K(x, xb * 256, out, b * 210L, scratch);
                default -> throw new IllegalArgumentException(t + " is not block-quantized");
            }
        }
    }

    /** C roundf: half away from zero. */
    static int roundf(float v) { return (int) (v < 0 ? -Math.floor(-v + 0.5f) : Math.floor(v + 0.5f)); }

    /** ggml's nearest_int: round half to even through the 1.5 * 2^23 trick (|v| <= 4194303). */
    static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + 12582912f) & 0x007fffff) - 0x00400000;
    }

    /** Per-thread work arrays of the K-quant quantizers (Q4_K, Q5_K, Q6_K). */
    private static final class Q4KScratch {
        final int[] l = new int[256], laux = new int[32];
        final float[] weights = new float[32], mins = new float[8], scales = new float[8], scales16 = new float[16];
    }

    /** The six-bit scale/min packing of Q4_K and Q5_K (the loop over j in quantize_row_q4_K_ref / q5_K_ref). */
    private static byte[] packScalesMins(float[] scales, float[] mins, float invScale, float invMin) {
        byte[] sc = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                sc[j] = (byte) ls;
                sc[j + 4] = (byte) lm;
            } else {
                sc[j + 4] = (byte) ((ls & 0x0f) | ((lm & 0x0f) << 4));
                sc[j - 4] |= (byte) ((ls >>> 4) << 6);
                sc[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        return sc;
    }

    /** One super-block of 256 values x[xo..] to byte {@code base} of out (ggml quantize_row_q5_K_ref). */
    private static void quantizeQ5K(float[] x, int xo, MemorySegment out, long base, Q4KScratch s) {
        int[] L = s.l;
        float[] weights = s.weights, mins = s.mins, scales = s.scales;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, 31, x, xo + 32 * j, weights, L, 32 * j, mins, j, s.laux, -0.5f, 0.1f, 15);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] sc = packScalesMins(scales, mins, invScale, invMin);
        short dh = Float.floatToFloat16(maxScale / 63f), mh = Float.floatToFloat16(maxMin / 63f);
        out.set(F16, base, dh);
        out.set(F16, base + 2, mh);
        MemorySegment.copy(sc, 0, out, I8, base + 4, 12);
        MemorySegment scs = MemorySegment.ofArray(sc);
        for (int j = 0; j < 8; j++) {
            float d = Float.float16ToFloat(dh) * q4kScale(scs, 0, j);
            if (d == 0) continue;
            float dm = Float.float16ToFloat(mh) * q4kMin(scs, 0, j);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = Math.max(0, Math.min(31, l));
            }
        }
        long qh = base + 16, ql = base + 48;
        byte[] h = new byte[32];
        int m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64, m1 <<= 2, m2 <<= 2, ql += 32) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j], l2 = L[n + j + 32];
                if (l1 > 15) { l1 -= 16; h[j] |= (byte) m1; }
                if (l2 > 15) { l2 -= 16; h[j] |= (byte) m2; }
                out.set(I8, ql + j, (byte) (l1 | (l2 << 4)));
            }
        }
        MemorySegment.copy(h, 0, out, I8, qh, 32);
    }

    /** One super-block of 256 values x[xo..] to byte {@code base} of out (ggml quantize_row_q6_K_ref). */
    private static void quantizeQ6K(float[] x, int xo, MemorySegment out, long base, Q4KScratch s) {
        int[] L = s.l;
        float[] scales = s.scales16;
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) { maxAbsScale = abs; maxScale = scale; }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            out.asSlice(base, 210).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        short dh = Float.floatToFloat16(1 / iscale);
        out.set(F16, base + 208, dh);
        byte[] sc = new byte[16];
        for (int ib = 0; ib < 16; ib++) sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        MemorySegment.copy(sc, 0, out, I8, base + 192, 16);
        for (int j = 0; j < 16; j++) {
            float d = Float.float16ToFloat(dh) * sc[j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        for (int j = 0, half = 0; j < 256; j += 128, half++) {
            long ql = base + 64 * half, qh = base + 128 + 32 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0x0f, q2 = L[j + l + 32] & 0x0f, q3 = L[j + l + 64] & 0x0f, q4 = L[j + l + 96] & 0x0f;
                out.set(I8, ql + l, (byte) (q1 | (q3 << 4)));
                out.set(I8, ql + l + 32, (byte) (q2 | (q4 << 4)));
                out.set(I8, qh + l, (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6)));
            }
        }
    }

    private static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * ggml make_qx_quants with rmse_type 1 and no importance weights (the Q6_K case): levels L[lo..lo+n) in [0, 2 nmax)
     * (signed level + nmax) and the scale minimising the x^2-weighted squared error over 19 candidate scales.
     */
    private static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) { amax = ax; max = x[xo + i]; }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * x[xo + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * x[xo + i]);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** One super-block of 256 values x[xo..] to byte {@code base} of out (ggml quantize_row_q4_K_ref). */
    private static void quantizeQ4K(float[] x, int xo, MemorySegment out, long base, Q4KScratch s) {
        int[] L = s.l;
        float[] weights = s.weights, mins = s.mins, scales = s.scales;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, 15, x, xo + 32 * j, weights, L, 32 * j, mins, j, s.laux, -1f, 0.1f, 20);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] sc = new byte[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                sc[j] = (byte) ls;
                sc[j + 4] = (byte) lm;
            } else {
                sc[j + 4] = (byte) ((ls & 0x0f) | ((lm & 0x0f) << 4));
                sc[j - 4] |= (byte) ((ls >>> 4) << 6);
                sc[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        short dh = Float.floatToFloat16(maxScale / 63f), mh = Float.floatToFloat16(maxMin / 63f);
        out.set(F16, base, dh);
        out.set(F16, base + 2, mh);
        MemorySegment.copy(sc, 0, out, I8, base + 4, 12);
        MemorySegment scs = MemorySegment.ofArray(sc);
        for (int j = 0; j < 8; j++) {
            float d = Float.float16ToFloat(dh) * q4kScale(scs, 0, j);
            if (d == 0) continue;
            float dm = Float.float16ToFloat(mh) * q4kMin(scs, 0, j);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = Math.max(0, Math.min(15, l));
            }
        }
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) out.set(I8, base + 16 + j / 2 + l, (byte) (L[j + l] | (L[j + l + 32] << 4)));
        }
    }

    /**
     * ggml make_qkx2_quants (use_mad = false): levels L[lo..lo+n) in [0, nmax] and a (scale, min) pair minimising the
     * weighted squared error over a small grid of candidate scales. Writes -min to mins[mi]; returns the scale.
     */
    private static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                        float[] mins, int mi, int[] Laux, float rmin, float rdelta, int nstep) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) min = x[xo + i];
            if (x[xo + i] > max) max = x[xo + i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            mins[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = diff * diff;
            bestError += weights[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                Laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * Laux[i] + thisMin - x[xo + i];
                    diff = diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(Laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[mi] = -min;
        return scale;
    }

    /** A quantized copy of a 2-D weight (rows a whole number of blocks), off-heap (freed when unreachable). */
    public static Tensor quantize(Tensor w, DType t) { return quantize(w, t, java.lang.foreign.Arena.ofAuto()); }

    /** As {@link #quantize(Tensor, DType)}, allocated in {@code arena} (freed when the caller closes it, e.g. once written). */
    public static Tensor quantize(Tensor w, DType t, java.lang.foreign.Arena arena) {
        if (!t.isQuantized()) throw new IllegalArgumentException(t + " is not block-quantized");
        int bs = t.blockSize();
        long n = w.numel();
        if (n % bs != 0) throw new IllegalArgumentException(w.name() + ": " + n + " values is not a whole number of " + t + " blocks of " + bs);
        if (n / bs > Integer.MAX_VALUE) throw new IllegalArgumentException(w.name() + " is too large to quantize in one piece");
        int blocks = (int) (n / bs);
        MemorySegment out = arena.allocate(t.sizeOf(n), 64);
        // Widen and quantize a few thousand blocks at a time per thread: the heap never holds the whole tensor as floats.
        int sub = bs == 256 ? 256 : 4096;
        io.llava4j.kernels.Parallel.forRange(blocks, sub, (from, to) -> {
            float[] buf = new float[Math.min(sub, to - from) * bs];
            for (int c = from; c < to; c += sub) {
                int m = Math.min(sub, to - c);
                w.toFloats((long) c * bs, buf, 0, m * bs);
                quantizeBlocks(t, buf, c, out, c, c + m);
            }
        });
        return new Tensor(w.name(), t, w.shape().clone(), out);
    }
}
