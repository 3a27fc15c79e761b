package io.llava4j.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.StringJoiner;

/**
 * An EL resolver placed in front of Jinjava's own: it answers method calls on strings with Python's {@code str}
 * methods, which HF chat templates use ({@code message['role'].upper()}, {@code content.strip()},
 * {@code name.startswith('x')}). Jinjava alone resolves {@code s.upper()} to a Java method and fails
 * ("Cannot find method upper"), and Java's own {@code split}/{@code strip} differ from Python's.
 *
 * <p>Handled (on {@link String} receivers only): upper, lower, strip/lstrip/rstrip([chars]), title, capitalize,
 * swapcase, startswith/endswith(str or list), split/rsplit([sep[, maxsplit]]), splitlines([keepends]),
 * replace(old, new[, count]), find, rfind, count, join(iterable), removeprefix, removesuffix, isspace, isdigit,
 * isalpha, isalnum, islower, isupper. Anything else falls through to Jinjava unchanged. Property reads are never
 * answered here, so this cannot expose anything Jinjava's sandbox would not.
 */
final class PyMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) return null;
        Object[] a = params == null ? new Object[0] : params;
        Object r = call(s, method.toString(), a);
        if (r == NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return r;
    }

    private static final Object NOT_HANDLED = new Object();

    static Object call(String s, String name, Object[] a) {
        int n = a.length;
        return switch (name) {
            case "upper" -> n == 0 ? PyStr.upper(s) : NOT_HANDLED;
            case "lower" -> n == 0 ? PyStr.lower(s) : NOT_HANDLED;
            case "strip" -> n <= 1 ? PyStr.strip(s, str(a, 0)) : NOT_HANDLED;
            case "lstrip" -> n <= 1 ? PyStr.lstrip(s, str(a, 0)) : NOT_HANDLED;
            case "rstrip" -> n <= 1 ? PyStr.rstrip(s, str(a, 0)) : NOT_HANDLED;
            case "title" -> n == 0 ? PyStr.title(s) : NOT_HANDLED;
            case "capitalize" -> n == 0 ? PyStr.capitalize(s) : NOT_HANDLED;
            case "swapcase" -> n == 0 ? PyStr.swapcase(s) : NOT_HANDLED;
            case "startswith" -> n == 1 ? affix(s, a[0], true) : NOT_HANDLED;
            case "endswith" -> n == 1 ? affix(s, a[0], false) : NOT_HANDLED;
            case "split" -> n <= 2 ? PyStr.split(s, str(a, 0), intArg(a, 1, -1)) : NOT_HANDLED;
            case "rsplit" -> n <= 2 ? PyStr.rsplit(s, str(a, 0), intArg(a, 1, -1)) : NOT_HANDLED;
            case "splitlines" -> n <= 1 ? PyStr.splitlines(s, n == 1 && truthy(a[0])) : NOT_HANDLED;
            case "replace" -> (n == 2 || n == 3)
                    ? PyStr.replace(s, String.valueOf(a[0]), String.valueOf(a[1]), intArg(a, 2, -1)) : NOT_HANDLED;
            case "find" -> n == 1 ? (long) s.indexOf(String.valueOf(a[0])) : NOT_HANDLED;
            case "rfind" -> n == 1 ? (long) s.lastIndexOf(String.valueOf(a[0])) : NOT_HANDLED;
            case "count" -> n == 1 ? (long) PyStr.count(s, String.valueOf(a[0])) : NOT_HANDLED;
            case "join" -> n == 1 ? join(s, a[0]) : NOT_HANDLED;
            case "removeprefix" -> n == 1 ? (s.startsWith(String.valueOf(a[0]))
                    ? s.substring(String.valueOf(a[0]).length()) : s) : NOT_HANDLED;
            case "removesuffix" -> n == 1 ? (s.endsWith(String.valueOf(a[0])) && !String.valueOf(a[0]).isEmpty()
                    ? s.substring(0, s.length() - String.valueOf(a[0]).length()) : s) : NOT_HANDLED;
            case "isspace" -> n == 0 ? !s.isEmpty() && s.chars().allMatch(c -> PyStr.isSpace((char) c)) : NOT_HANDLED;
            case "isdigit" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isDigit) : NOT_HANDLED;
            case "isalpha" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetter) : NOT_HANDLED;
            case "isalnum" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit)
                    : NOT_HANDLED;
            case "islower" -> n == 0 ? hasCased(s) && s.equals(PyStr.lower(s)) : NOT_HANDLED;
            case "isupper" -> n == 0 ? hasCased(s) && s.equals(PyStr.upper(s)) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(cp -> Character.isUpperCase(cp) || Character.isLowerCase(cp));
    }

    private static String str(Object[] a, int i) {
        return i < a.length && a[i] != null ? a[i].toString() : null;
    }

    private static int intArg(Object[] a, int i, int dflt) {
        if (i >= a.length || a[i] == null) return dflt;
        if (a[i] instanceof Number num) return num.intValue();
        return Integer.parseInt(a[i].toString());
    }

    private static boolean truthy(Object o) {
        if (o == null) return false;
        if (o instanceof Boolean b) return b;
        if (o instanceof Number num) return num.doubleValue() != 0;
        return !o.toString().isEmpty();
    }

    private static boolean affix(String s, Object arg, boolean prefix) {
        if (arg instanceof Iterable<?> it) {
            for (Object o : it) if (affix(s, o, prefix)) return true;
            return false;
        }
        if (arg instanceof Object[] arr) return affix(s, List.of(arr), prefix);
        String x = String.valueOf(arg);
        return prefix ? s.startsWith(x) : s.endsWith(x);
    }

    private static String join(String sep, Object items) {
        StringJoiner j = new StringJoiner(sep);
        if (items instanceof Iterable<?> it) {
            for (Object o : it) j.add(String.valueOf(o));
        } else if (items instanceof Object[] arr) {
            for (Object o : arr) j.add(String.valueOf(o));
        } else if (items instanceof String str) {
            str.codePoints().forEach(cp -> j.add(new String(Character.toChars(cp))));
        } else {
            throw new IllegalArgumentException("join() argument is not iterable: " + items);
        }
        return j.toString();
    }

    // Property access is left to Jinjava.
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Collections.emptyIterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
