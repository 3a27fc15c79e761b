package io.llava4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's Q8_0, Q4_0 and Q4_K blocks: reference quantizers (ports of ggml's {@code quantize_row_*_ref}: the same float
 * operations in the same order, C {@code roundf} and ggml's {@code nearest_int}, so the bytes are those of a ggml
 * build that does not contract a*b+c into FMA) and exact dequantizers ({@code dequantize_row_*}).
 */
public final class Quant {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

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
            default -> throw new IllegalArgumentException(t + " is not block-quantized");
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
        io.llava4j.kernels.Parallel.forRange(x.length / bs, t == DType.Q4_K ? 256 : 4096, (from, to) -> quantizeBlocks(t, x, out, from, to));
        return out;
    }

    /** Blocks [from, to) of x into out; each block is independent, so chunks may run in parallel. */
    public static void quantizeBlocks(DType t, float[] x, MemorySegment out, int from, int to) {
        quantizeBlocks(t, x, 0, out, from, to);
    }

    /** As above, with x holding the values of blocks starting at block {@code xFirst} (x[0] is block xFirst's first value). */
    static void quantizeBlocks(DType t, float[] x, int xFirst, MemorySegment out, int from, int to) {
        Q4KScratch scratch = t == DType.Q4_K ? new Q4KScratch() : null;
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

    /** Per-thread work arrays of the Q4_K quantizer. */
    private static final class Q4KScratch {
        final int[] l = new int[256], laux = new int[32];
        final float[] weights = new float[32], mins = new float[8], scales = new float[8];
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
        int sub = t == DType.Q4_K ? 256 : 4096;
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
