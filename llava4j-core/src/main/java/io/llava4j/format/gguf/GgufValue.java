package io.llava4j.format.gguf;

import java.util.List;

/**
 * One metadata value. Scalars are boxed as Java types by width: UINT8/INT8 Byte, UINT16/INT16 Short, UINT32/INT32
 * Integer, UINT64/INT64 Long (unsigned values keep their bits), FLOAT32 Float, FLOAT64 Double, BOOL Boolean, STRING
 * String; ARRAY a List of those with {@code elementType}.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue of(GgufValueType type, Object value) { return new GgufValue(type, null, value); }

    public static GgufValue array(GgufValueType elementType, List<?> values) { return new GgufValue(GgufValueType.ARRAY, elementType, List.copyOf(values)); }

    public static GgufValue u32(long v) { return of(GgufValueType.UINT32, (int) v); }

    public static GgufValue f32(float v) { return of(GgufValueType.FLOAT32, v); }

    public static GgufValue str(String v) { return of(GgufValueType.STRING, v); }

    public static GgufValue bool(boolean v) { return of(GgufValueType.BOOL, v); }

    /** An integer value of any width as a long (unsigned types zero-extended). */
    public long asLong() {
        return switch (type) {
            case UINT8 -> ((Byte) value) & 0xffL;
            case UINT16 -> ((Short) value) & 0xffffL;
            case UINT32 -> ((Integer) value) & 0xffffffffL;
            case INT8, INT16, INT32, INT64, UINT64 -> ((Number) value).longValue();
            case BOOL -> (Boolean) value ? 1 : 0;
            default -> throw new IllegalStateException("metadata value of type " + type + " is not an integer");
        };
    }

    public double asDouble() {
        return switch (type) {
            case FLOAT32, FLOAT64 -> ((Number) value).doubleValue();
            default -> asLong();
        };
    }

    public String asString() {
        if (type != GgufValueType.STRING) throw new IllegalStateException("metadata value of type " + type + " is not a string");
        return (String) value;
    }

    @SuppressWarnings("unchecked")
    public List<Object> asList() {
        if (type != GgufValueType.ARRAY) throw new IllegalStateException("metadata value of type " + type + " is not an array");
        return (List<Object>) value;
    }

    @Override
    public String toString() {
        if (type == GgufValueType.ARRAY) {
            List<?> l = (List<?>) value;
            return "[" + elementType + " x " + l.size() + (l.size() <= 8 ? " " + l : "") + "]";
        }
        return String.valueOf(value);
    }
}
