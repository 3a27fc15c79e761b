package io.llava4j.train.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Minimal protocol-buffers wire-format writer, enough to write a SentencePiece {@code ModelProto}. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter string(int field, String s) { return bytes(field, s.getBytes(StandardCharsets.UTF_8)); }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2);
        varint(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter message(int field, ProtoWriter m) { return bytes(field, m.toByteArray()); }

    ProtoWriter int32(int field, long v) {
        tag(field, 0);
        varint(v);
        return this;
    }

    ProtoWriter bool(int field, boolean v) { return int32(field, v ? 1 : 0); }

    ProtoWriter float32(int field, float f) {
        tag(field, 5);
        int bits = Float.floatToIntBits(f);
        for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i) & 0xFF);
        return this;
    }

    byte[] toByteArray() { return out.toByteArray(); }

    private void tag(int field, int wire) { varint((long) field << 3 | wire); }

    /** Negative int32 values take 10 bytes, as protobuf encodes them. */
    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
