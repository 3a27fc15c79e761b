package io.llava4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API versions of the small float[] primitives. Each has a scalar twin in {@link ScalarOps}. */
public final class VectorOps {
    static final VectorSpecies<Float> S = Vec.F;

    private VectorOps() {}

    /** sum_i a[ao+i] * b[bo+i], i < n. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        int L = S.length();
        if (n >= 4 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            int bound = n - n % (4 * L);
            for (; i < bound; i += 4 * L) {
                s0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s0);
                s1 = FloatVector.fromArray(S, a, ao + i + L).fma(FloatVector.fromArray(S, b, bo + i + L), s1);
                s2 = FloatVector.fromArray(S, a, ao + i + 2 * L).fma(FloatVector.fromArray(S, b, bo + i + 2 * L), s2);
                s3 = FloatVector.fromArray(S, a, ao + i + 3 * L).fma(FloatVector.fromArray(S, b, bo + i + 3 * L), s3);
            }
            float r = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) r += a[ao + i] * b[bo + i];
            return r;
        }
        FloatVector s = FloatVector.zero(S);
        int bound = S.loopBound(n);
        for (; i < bound; i += L) s = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), s);
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) r += a[ao + i] * b[bo + i];
        return r;
    }

    /** y[yo+i] += alpha * x[xo+i]. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
