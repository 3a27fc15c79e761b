package io.llava4j.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Minimal protocol-buffers wire-format reader, enough to read a SentencePiece {@code ModelProto}
 * without a protobuf dependency. Throws {@link IllegalArgumentException} on malformed input.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int end;
    private int tag;

    ProtoReader(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) return false;
        long t = varint();
        if (t <= 0 || t > Integer.MAX_VALUE) throw new IllegalArgumentException("bad field tag " + t + " at byte " + pos);
        tag = (int) t;
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw new IllegalArgumentException("truncated varint");
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) return result;
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    float fixed32AsFloat() {
        expect(FIXED32);
        need(4);
        int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    boolean bool() {
        expect(VARINT);
        return varint() != 0;
    }

    int int32() {
        expect(VARINT);
        return (int) varint();
    }

    String string() {
        int[] r = lengthDelimited();
        return new String(buf, r[0], r[1] - r[0], StandardCharsets.UTF_8);
    }

    byte[] bytes() {
        int[] r = lengthDelimited();
        byte[] out = new byte[r[1] - r[0]];
        System.arraycopy(buf, r[0], out, 0, out.length);
        return out;
    }

    /** A reader over the embedded message of the current field. */
    ProtoReader message() {
        int[] r = lengthDelimited();
        return new ProtoReader(buf, r[0], r[1]);
    }

    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> { need(8); pos += 8; }
            case LEN -> lengthDelimited();
            case FIXED32 -> { need(4); pos += 4; }
            default -> throw new IllegalArgumentException("unsupported wire type " + wireType() + " for field " + field());
        }
    }

    private int[] lengthDelimited() {
        expect(LEN);
        long n = varint();
        if (n < 0 || n > end - pos) throw new IllegalArgumentException("length " + n + " runs past the end of the message");
        int from = pos;
        pos += (int) n;
        return new int[] {from, pos};
    }

    private void expect(int wire) {
        if (wireType() != wire) {
            throw new IllegalArgumentException("field " + field() + " has wire type " + wireType() + ", expected " + wire);
        }
    }

    private void need(int n) {
        if (end - pos < n) throw new IllegalArgumentException("truncated field " + field());
    }
}
