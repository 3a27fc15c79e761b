package io.llava4j.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} methods with Python's semantics, for the conversation templates (which are ports of Python
 * code) and for Jinja templates that call them ({@code message['role'].upper()}).
 */
final class PyStr {
    private PyStr() {}

    /** Python's {@code str.isspace()} for one char (Unicode whitespace, including no-break spaces). */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** {@code s.strip(chars)}; {@code chars == null} strips whitespace. Note: chars is a set, not a prefix. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strips(s.charAt(i), chars)) i++;
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && strips(s.charAt(j - 1), chars)) j--;
        return s.substring(0, j);
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** {@code s.title()}: a cased char after an uncased one is title-cased, the others lower-cased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            sb.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = isCased(cp);
        }
        return sb.toString();
    }

    /** {@code s.capitalize()}: first char title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(cp))
                .append(s.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT)).toString();
    }

    static String swapcase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> sb.appendCodePoint(
                Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                        : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
        return sb.toString();
    }

    /** {@code s.split(sep, maxsplit)}: {@code sep == null} splits on runs of whitespace and drops empty pieces. */
    static List<String> split(String s, String sep, int maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int pos = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, pos);
            if (k < 0) break;
            out.add(s.substring(pos, k));
            pos = k + sep.length();
        }
        out.add(s.substring(pos));
        return out;
    }

    /** {@code s.rsplit(sep, maxsplit)}. */
    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<String> rev = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (rev.size() == maxsplit) {
                    rev.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) i--;
                rev.add(s.substring(i, j));
                j = i;
            }
        } else {
            if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
            int end = s.length();
            while (rev.size() < maxsplit) {
                int k = s.lastIndexOf(sep, end - sep.length());
                if (k < 0) break;
                rev.add(s.substring(k + sep.length(), end));
                end = k;
            }
            rev.add(s.substring(0, end));
        }
        List<String> out = new ArrayList<>(rev.size());
        for (int i = rev.size() - 1; i >= 0; i--) out.add(rev.get(i));
        return out;
    }

    /** {@code s.replace(old, new, count)}; {@code count < 0} replaces all. */
    static String replace(String s, String old, String repl, int count) {
        if (count < 0) return s.replace(old, repl);
        StringBuilder sb = new StringBuilder();
        int pos = 0, done = 0;
        while (done < count) {
            int k = old.isEmpty() ? (pos <= s.length() ? pos : -1) : s.indexOf(old, pos);
            if (k < 0) break;
            sb.append(s, pos, k).append(repl);
            if (old.isEmpty()) {
                if (k < s.length()) sb.append(s.charAt(k));
                pos = k + 1;
            } else {
                pos = k + old.length();
            }
            done++;
        }
        if (pos <= s.length()) sb.append(s, Math.min(pos, s.length()), s.length());
        return sb.toString();
    }

    static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) n++;
        return n;
    }

    static List<String> splitlines(String s, boolean keepends) {
        List<String> out = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol;
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') eol = 2;
            else if (c == '\n' || c == '\r' || c == '\u000b' || c == '\u000c' || c == '\u001c' || c == '\u001d'
                    || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029') eol = 1;
            else {
                i++;
                continue;
            }
            out.add(s.substring(start, keepends ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }
}
