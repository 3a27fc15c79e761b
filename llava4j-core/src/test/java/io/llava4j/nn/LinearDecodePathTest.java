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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The decoder's linear layers (q/k/v/o, MLP, lm_head go through {@link Linear} and {@code MatMul}) take the fast decode
 * kernels for every storage type: with 1-3 rows their output is bit for bit {@link MatVec}'s, and with 8 rows (prefill)
 * it is not (the tiled kernel sums in another order), so the comparison can tell the two paths apart.
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
                assertArrayEquals(viaMatVec, lin.forward(x, n), dt + " n=" + n);
            }
            float[] x8 = new float[8 * in];
            for (int i = 0; i < x8.length; i++) x8[i] = (float) rnd.nextGaussian();
            float[] viaMatVec = new float[8 * out];
            MatVec.matvec(x8, 8, in, w, bias, viaMatVec, out);
            assertFalse(java.util.Arrays.equals(viaMatVec, lin.forward(x8, 8)), dt + ": prefill rows take the tiled kernel");
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
