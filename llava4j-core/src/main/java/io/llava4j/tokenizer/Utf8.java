package io.llava4j.tokenizer;

/**
 * UTF-8 decoding with the two replacement rules the reference tokenizers use for invalid bytes.
 * Java's own decoder is not used so the result does not depend on its replacement policy.
 */
final class Utf8 {
    private Utf8() {}

    /**
     * SentencePiece's rule ({@code DecodeUTF8} + {@code IsValidDecodeUTF8}): at each position decode one
     * character; if it is not a complete, shortest-form, non-surrogate character, that single byte becomes
     * U+FFFD.
     */
    static String decodePerByte(byte[] b, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            int len = to - i;
            int cp = -1;
            int n = 1;
            if (b0 < 0x80) {
                cp = b0;
            } else if (len >= 2 && (b0 & 0xE0) == 0xC0) {
                int c = ((b0 & 0x1F) << 6) | (b[i + 1] & 0x3F);
                if (trail(b[i + 1]) && c >= 0x80) { cp = c; n = 2; }
            } else if (len >= 3 && (b0 & 0xF0) == 0xE0) {
                int c = ((b0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
                if (trail(b[i + 1]) && trail(b[i + 2]) && c >= 0x800 && validCodepoint(c)) { cp = c; n = 3; }
            } else if (len >= 4 && (b0 & 0xF8) == 0xF0) {
                int c = ((b0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
                if (trail(b[i + 1]) && trail(b[i + 2]) && trail(b[i + 3]) && c >= 0x10000 && validCodepoint(c)) {
                    cp = c;
                    n = 4;
                }
            }
            out.appendCodePoint(cp < 0 ? 0xFFFD : cp);
            i += cp < 0 ? 1 : n;
        }
        return out.toString();
    }

    /**
     * CPython's {@code bytes.decode("utf-8", errors="replace")}: each maximal invalid subpart (a lone bad
     * byte, or the valid start of a sequence cut short) becomes one U+FFFD.
     */
    static String decodePython(byte[] b, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) lo = 0xA0;
                if (b0 == 0xED) hi = 0x9F;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int k = 1;
            for (; k <= need && i + k < to; k++) {
                int c = b[i + k] & 0xFF;
                int min = k == 1 ? lo : 0x80;
                int max = k == 1 ? hi : 0xBF;
                if (c < min || c > max) break;
                cp = (cp << 6) | (c & 0x3F);
            }
            if (k == need + 1) {
                out.appendCodePoint(cp);
            } else {
                out.append('\uFFFD');
            }
            i += k == need + 1 ? need + 1 : k;
        }
        return out.toString();
    }

    private static boolean trail(byte x) {
        return (x & 0xC0) == 0x80;
    }

    private static boolean validCodepoint(int c) {
        return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
    }
}
