package io.llava4j.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Python's round(x, n) and f"{x:.nf}": correctly rounded (half-even) on the exact binary value. */
final class PyFormat {
    private PyFormat() {}

    static double round(double x, int n) {
        return new BigDecimal(x).setScale(n, RoundingMode.HALF_EVEN).doubleValue();
    }

    static String fixed(double x, int n) {
        return new BigDecimal(x).setScale(n, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** Python repr of a float, for values in the ordinary range. */
    static String repr(double x) { return PyStr.repr(x); }
}
