package io.llava4j.train.nn;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import io.llava4j.train.testing.Fd;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GemmTest {

    static Tensor f16(String name, float[] v, int rows, int cols) {
        MemorySegment seg = MemorySegment.ofArray(new short[v.length]);
        for (int i = 0; i < v.length; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v[i]));
        return new Tensor(name, DType.F16, new long[] {rows, cols}, seg);
    }

    static float[] roundF16(float[] v) {
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
        return o;
    }

    static void close(float[] want, float[] got, String what) {
        double scale = 0;
        for (float f : want) scale = Math.max(scale, Math.abs(f));
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5 * Math.max(1, scale), what + "[" + i + "]");
    }

    @Test
    void threeProductsMatchPlainLoops() {
        Random r = new Random(3);
        int[][] shapes = {{1, 7, 5}, {3, 16, 33}, {9, 40, 17}, {37, 64, 129}, {70, 100, 48}, {20, 96, 8}, {33, 8, 70}, {300, 40, 600}};
        for (int[] s : shapes) {
            int n = s[0], m = s[1], k = s[2];
            float[] x = Fd.rand(r, n * k, 1), wv = Fd.rand(r, m * k, 1), dy = Fd.rand(r, n * m, 1), bias = Fd.rand(r, m, 1);
            for (boolean half : new boolean[] {false, true}) {
                float[] wref = half ? roundF16(wv) : wv;
                Weight w = half ? Weight.frozen(f16("w", wv, m, k)) : Weight.frozen("w", wv, m, k);
                String tag = (half ? "F16 " : "F32 ") + n + "x" + m + "x" + k;
                float[] y = new float[n * m], yr = new float[n * m];
                Gemm.nt(x, n, k, w, bias, y);
                GemmRef.nt(x, n, k, wref, m, bias, yr);
                close(yr, y, "nt " + tag);
                float[] dx = Fd.rand(r, n * k, 1), dxr = dx.clone();
                Gemm.nnAcc(dy, n, m, w, dx, k);
                GemmRef.nnAcc(dy, n, m, wref, dxr, k);
                close(dxr, dx, "nnAcc " + tag);
            }
            float[] dW = Fd.rand(r, m * k, 1), dWr = dW.clone();
            Gemm.tnAcc(dy, x, n, m, k, dW);
            GemmRef.tnAcc(dy, x, n, m, k, dWr);
            close(dWr, dW, "tnAcc " + n + "x" + m + "x" + k);
        }
    }
}
