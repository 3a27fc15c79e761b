package io.llava4j.tensor;

/** Storage types of weights. Activations are always fp32; kernels widen stored values on the fly. */
public enum DType {
    F32(4), F16(2), BF16(2), I64(8), I32(4), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Bytes per element. */
    public int bytes() { return bytes; }

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
