package io.llava4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's Q8_0 and Q4_0 blocks: reference quantizers (same rounding as ggml's quantize_row_*_ref) and dequantizers.
 */
public final class Quant {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private Quant() {}

    /** Dequantizes {@code blocks} blocks starting at block {@code block} into dst[off..]. */
    public static void dequantize(DType t, MemorySegment data, long block, float[] dst, int off, int blocks) {
        switch (t) {
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    long base = (block + b) * 34;
                    float d = Float.float16ToFloat(data.get(F16, base));
                    for (int j = 0; j < 32; j++) dst[off + b * 32 + j] = d * data.get(ValueLayout.JAVA_BYTE, base + 2 + j);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    long base = (block + b) * 18;
                    float d = Float.float16ToFloat(data.get(F16, base));
                    for (int j = 0; j < 16; j++) {
                        int q = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                        dst[off + b * 32 + j] = ((q & 0x0f) - 8) * d;
                        dst[off + b * 32 + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            default -> throw new IllegalArgumentException(t + " is not block-quantized");
        }
    }

    /**
     * Quantizes x (a whole number of 32-blocks) into a new segment of type t. The segment is off-heap (freed when
     * unreachable), so a 7B model quantized at load time does not need a heap of its size.
     */
    public static MemorySegment quantize(DType t, float[] x) {
        if (x.length % 32 != 0) throw new IllegalArgumentException(x.length + " values is not a whole number of 32-blocks");
        MemorySegment out = java.lang.foreign.Arena.ofAuto().allocate(t.sizeOf(x.length), 64);
        if (t != DType.Q8_0 && t != DType.Q4_0) throw new IllegalArgumentException(t + " is not block-quantized");
        io.llava4j.kernels.Parallel.forRange(x.length / 32, 4096, (from, to) -> quantizeBlocks(t, x, out, from, to));
        return out;
    }

    /** Blocks [from, to) of x into out; each block is independent, so chunks may run in parallel. */
    private static void quantizeBlocks(DType t, float[] x, MemorySegment out, int from, int to) {
        for (int b = from; b < to; b++) {
            switch (t) {
                case Q8_0 -> {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
                    float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
                    long base = b * 34L;
                    out.set(F16, base, Float.floatToFloat16(d));
                    for (int j = 0; j < 32; j++) out.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) roundf(x[b * 32 + j] * id));
                }
                case Q4_0 -> {
                    float amax = 0, max = 0;
                    for (int j = 0; j < 32; j++) {
                        float v = x[b * 32 + j];
                        if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
                    }
                    float d = max / -8f, id = d != 0 ? 1f / d : 0f;
                    long base = b * 18L;
                    out.set(F16, base, Float.floatToFloat16(d));
                    for (int j = 0; j < 16; j++) {
                        int q0 = Math.min(15, (byte) (int) (x[b * 32 + j] * id + 8.5f));
                        int q1 = Math.min(15, (byte) (int) (x[b * 32 + 16 + j] * id + 8.5f));
                        out.set(ValueLayout.JAVA_BYTE, base + 2 + j, (byte) (q0 | (q1 << 4)));
                    }
                }
                default -> throw new IllegalArgumentException(t + " is not block-quantized");
            }
        }
    }

    /** C roundf: half away from zero. */
    static int roundf(float v) { return (int) (v < 0 ? -Math.floor(-v + 0.5f) : Math.floor(v + 0.5f)); }

    /** A quantized copy of a 2-D weight (rows of a multiple of 32 values), off-heap. */
    public static Tensor quantize(Tensor w, DType t) {
        float[] all = w.toFloatArray();
        return new Tensor(w.name(), t, w.shape().clone(), quantize(t, all));
    }
}
