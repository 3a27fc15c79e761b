package io.llava4j.format.gguf;

/** Metadata value types of GGUF ({@code gguf_type}). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    /** Bytes of a scalar of this type (0: variable). */
    public final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public static GgufValueType byId(int id) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        return null;
    }
}
