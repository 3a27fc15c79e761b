package io.llava4j.format.gguf;

import io.llava4j.tensor.DType;

/**
 * ggml tensor types as numbered in GGUF files ({@code ggml_type}), with the storage type this engine reads them as
 * (null where it has no kernels for the type: the tensor is listed but cannot be read).
 */
public enum GgmlType {
    F32(0, DType.F32), F16(1, DType.F16), Q4_0(2, DType.Q4_0), Q4_1(3, null), Q5_0(6, DType.Q5_0), Q5_1(7, DType.Q5_1),
    Q8_0(8, DType.Q8_0), Q8_1(9, null), Q2_K(10, null), Q3_K(11, null), Q4_K(12, DType.Q4_K), Q5_K(13, DType.Q5_K),
    Q6_K(14, DType.Q6_K), Q8_K(15, null), IQ2_XXS(16, null), IQ2_XS(17, null), IQ3_XXS(18, null), IQ1_S(19, null),
    IQ4_NL(20, null), IQ3_S(21, null), IQ2_S(22, null), IQ4_XS(23, null), I8(24, DType.I8), I16(25, null),
    I32(26, DType.I32), I64(27, DType.I64), F64(28, null), IQ1_M(29, null), BF16(30, DType.BF16), TQ1_0(34, null),
    TQ2_0(35, null), MXFP4(39, null);

    public final int id;
    /** The engine's storage type, or null when unsupported. */
    public final DType dtype;

    GgmlType(int id, DType dtype) {
        this.id = id;
        this.dtype = dtype;
    }

    /** The type numbered {@code id}, or null for a number this table does not know. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    /** The ggml type a storage type is written as. */
    public static GgmlType of(DType d) {
        for (GgmlType t : values()) if (t.dtype == d) return t;
        throw new IllegalArgumentException(d + " has no GGUF tensor type");
    }
}
