package io.llava4j.nn;

import io.llava4j.kernels.MatVec;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;


/**
 * The decoder's linear layers (q/k/v/o, MLP, lm_head go through {@link Linear} and {@code MatMul}) give the decode
 * kernels' result for every storage type with 1-3 rows, and the tiled kernel's with 8 rows (prefill). Compared within
 * 1e-6 of sum|w*x| rather than bit for bit: the same Vector API code can round a reduction differently when it runs
 * interpreted and when compiled, so bitwise equality between two calls depends on the JIT's timing (it flaked in CI).
 */
class LinearDecodePathTest {
    @Test
    void decodeRowsUseMatVecForEveryStorageType() {
        SplittableRandom rnd = new SplittableRandom(5);
        int in = 512, out = 40;
        float[] wf = new float[in * out];
        for (int i = 0; i < wf.length; i++) wf[i] = (float) (rnd.nextGaussian() * 0.05);
        float[] bias = new float[out];
        for (int i = 0; i < out; i++) bias[i] = (float) rnd.nextGaussian();
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K}) {
            Tensor w = store(wf, dt, out, in);
            Linear lin = new Linear(w, bias, in, out);
            for (int n = 1; n <= 3; n++) {
                float[] x = new float[n * in];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] viaMatVec = new float[n * out];
                MatVec.matvec(x, n, in, w, bias, viaMatVec, out);
                assertClose(viaMatVec, lin.forward(x, n), x, n, in, w, dt + " n=" + n);
            }
            float[] x8 = new float[8 * in];
            for (int i = 0; i < x8.length; i++) x8[i] = (float) rnd.nextGaussian();
            float[] viaTiled = new float[8 * out];
            io.llava4j.kernels.TiledMatMul.matmul(x8, 8, in, w, bias, viaTiled, out);
            assertClose(viaTiled, lin.forward(x8, 8), x8, 8, in, w, dt + ": prefill rows");
        }
    }

    static void assertClose(float[] expected, float[] got, float[] x, int n, int in, Tensor w, String what) {
        float[] wf = w.toFloatArray();
        int out = expected.length / n;
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < out; o++) {
                double scale = 1e-30;
                for (int k = 0; k < in; k++) scale += Math.abs(x[t * in + k] * wf[o * in + k]);
                double e = Math.abs(expected[t * out + o] - got[t * out + o]) / scale;
                org.junit.jupiter.api.Assertions.assertTrue(e < 1e-6, what + " [" + t + "," + o + "]: " + got[t * out + o] + " vs " + expected[t * out + o]);
            }
        }
    }

    static Tensor store(float[] wf, DType dt, int out, int in) {
        long[] shape = {out, in};
        if (dt.isQuantized()) return Quant.quantize(new Tensor("w", DType.F32, shape, MemorySegment.ofArray(wf.clone())), dt);
        MemorySegment s = Arena.ofAuto().allocate((long) wf.length * dt.bytes(), 64);
        for (int i = 0; i < wf.length; i++) {
            switch (dt) {
                case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, wf[i]);
                case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(wf[i]));
                case BF16 -> s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(wf[i]) >>> 16));
                default -> throw new IllegalArgumentException(dt.toString());
            }
        }
        return new Tensor("w", dt, shape, s);
    }
}
