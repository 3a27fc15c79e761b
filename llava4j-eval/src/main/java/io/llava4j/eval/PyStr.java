package io.llava4j.eval;

import java.util.ArrayList;
import java.util.List;

/** Python str semantics the official scripts rely on: strip() and split() on Unicode whitespace. */
final class PyStr {
    private PyStr() {}

    /** Python re's \\s on str patterns (str.isspace()), as a character class for java.util.regex. */
    static final String SPACE_CLASS = "[\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

    /** Python re's \\w on str patterns: str.isalnum() (letters, any numeric character) or '_'. */
    static boolean isWordChar(int cp) {
        if (cp == '_' || Character.isLetter(cp)) return true;
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** len(s): code points, not UTF-16 units. */
    static int len(String s) { return s.codePointCount(0, s.length()); }

    /** s[:n] in code points. */
    static String prefix(String s, int n) {
        return len(s) <= n ? s : s.substring(0, s.offsetByCodePoints(0, n));
    }

    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x1c || c == 0x1d || c == 0x1e || c == 0x1f || c == 0x85;
    }

    static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isSpace(s.charAt(a))) a++;
        while (b > a && isSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    static String rstrip(String s) {
        int b = s.length();
        while (b > 0 && isSpace(s.charAt(b - 1))) b--;
        return s.substring(0, b);
    }

    static String stripChars(String s, String chars) {
        int a = 0, b = s.length();
        while (a < b && chars.indexOf(s.charAt(a)) >= 0) a++;
        while (b > a && chars.indexOf(s.charAt(b - 1)) >= 0) b--;
        return s.substring(a, b);
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) i++;
            int j = i;
            while (j < n && !isSpace(s.charAt(j))) j++;
            if (j > i) out.add(s.substring(i, j));
            i = j;
        }
        return out;
    }

    /** Python's float repr for the printed lines (shortest round-trip). */
    static String repr(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e16) return String.valueOf((long) d) + ".0";
        return Double.toString(d);
    }
}
