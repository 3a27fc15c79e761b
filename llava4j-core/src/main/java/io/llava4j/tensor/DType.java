package io.llava4j.tensor;

/**
 * Storage types of weights. Activations are always fp32; kernels widen stored values on the fly.
 * Block-quantized types (ggml layouts, so GGUF data can be used as is) store {@link #blockSize()} elements in
 * {@link #blockBytes()} bytes: Q8_0 = fp16 scale + 32 int8; Q4_0 = fp16 scale + 16 bytes of 4-bit values
 * (element j in the low nibble of byte j, element j+16 in the high nibble), value = (q - 8) * scale; Q4_K = super-blocks
 * of 256 (fp16 d, fp16 dmin, 12 bytes of eight 6-bit scale/min pairs, 128 bytes of nibbles; sub-block j of 32 values
 * is {@code d * sc_j * q - dmin * m_j}); Q5_0 = fp16 d, 4 bytes of fifth bits (bit j: element j), 16 bytes of nibbles as
 * Q4_0, value = (q - 16) * d; Q5_1 = fp16 d, fp16 m, 4 bytes of fifth bits, 16 bytes of nibbles, value = q * d + m;
 * Q5_K = Q4_K's header (d, dmin, 12 scale bytes), 32 bytes of fifth bits (bit 2c / 2c+1 of byte l: element l of
 * sub-block 2c / 2c+1), 128 bytes of nibbles as Q4_K; Q6_K = 128 bytes of low nibbles, 64 bytes of high 2-bit pairs,
 * 16 int8 scales (one per 16 values), fp16 d last, value = d * sc * (q - 32). Layouts from ggml's ggml-common.h.
 */
public enum DType {
    F32(1, 4), F16(1, 2), BF16(1, 2), I64(1, 8), I32(1, 4), I8(1, 1), U8(1, 1), BOOL(1, 1), Q8_0(32, 34), Q4_0(32, 18), Q4_K(256, 144),
    Q5_0(32, 22), Q5_1(32, 24), Q5_K(256, 176), Q6_K(256, 210);

    private final int blockSize, blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes per element (plain types only). */
    public int bytes() {
        if (blockSize != 1) throw new UnsupportedOperationException(this + " is block-quantized: use sizeOf(elements)");
        return blockBytes;
    }

    public int blockSize() { return blockSize; }

    public int blockBytes() { return blockBytes; }

    public boolean isQuantized() { return blockSize > 1; }

    /** Bytes taken by {@code elements} values (a whole number of blocks). */
    public long sizeOf(long elements) {
        if (elements % blockSize != 0) throw new IllegalArgumentException(elements + " elements is not a whole number of " + this + " blocks of " + blockSize);
        return elements / blockSize * blockBytes;
    }

    /** Parses a safetensors dtype string ("F16", "BF16", ...). */
    public static DType fromSafetensors(String s) {
        return switch (s) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I64" -> I64;
            case "I32" -> I32;
            case "I8" -> I8;
            case "U8" -> U8;
            case "BOOL" -> BOOL;
            default -> throw new IllegalArgumentException("unsupported tensor dtype '" + s + "' (supported: F32, F16, BF16, I64, I32, I8, U8, BOOL)");
        };
    }
}
