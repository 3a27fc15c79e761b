package io.llava4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small ast.literal_eval for the judge's replies: a dict of string keys to strings, ints, floats, True/False/None
 * (single or double quotes, surrounding whitespace allowed). Anything else is a parse failure (null).
 */
final class PyLiteral {
    private final String s;
    private int i;

    private PyLiteral(String s) { this.s = s; }

    /** The dict, or null when the text is not exactly one Python dict literal. */
    static Map<String, Object> dict(String text) {
        PyLiteral p = new PyLiteral(text);
        try {
            p.ws();
            Object v = p.value();
            p.ws();
            if (p.i != p.s.length() || !(v instanceof Map)) return null;
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) v;
            return m;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

    private Object value() {
        ws();
        char c = s.charAt(i);
        if (c == '{') {
            i++;
            Map<String, Object> m = new LinkedHashMap<>();
            ws();
            if (s.charAt(i) == '}') { i++; return m; }
            while (true) {
                Object k = value();
                if (!(k instanceof String key)) throw new IllegalArgumentException("key");
                ws();
                if (s.charAt(i++) != ':') throw new IllegalArgumentException(":");
                m.put(key, value());
                ws();
                char d = s.charAt(i++);
                if (d == '}') return m;
                if (d != ',') throw new IllegalArgumentException(",");
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
            }
        }
        if (c == '\'' || c == '"') {
            i++;
            StringBuilder b = new StringBuilder();
            while (s.charAt(i) != c) {
                char x = s.charAt(i++);
                if (x == '\\') {
                    char e = s.charAt(i++);
                    b.append(switch (e) { case 'n' -> '\n'; case 't' -> '\t'; default -> e; });
                } else if (x == '\n') throw new IllegalArgumentException("newline in string");
                else b.append(x);
            }
            i++;
            return b.toString();
        }
        for (String kw : new String[] {"True", "False", "None"}) {
            if (s.startsWith(kw, i) && (i + kw.length() == s.length() || !Character.isLetterOrDigit(s.charAt(i + kw.length())))) {
                i += kw.length();
                return kw.equals("True") ? Boolean.TRUE : kw.equals("False") ? Boolean.FALSE : null;
            }
        }
        int start = i;
        if (c == '-' || c == '+') i++;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || ".eE+-_".indexOf(s.charAt(i)) >= 0)) i++;
        String num = s.substring(start, i).replace("_", "");
        if (num.isEmpty() || num.equals("-") || num.equals("+")) throw new IllegalArgumentException("value");
        if (num.matches("[-+]?\\d+")) return Long.parseLong(num);
        return Double.parseDouble(num);
    }
}
