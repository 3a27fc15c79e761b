package io.llava4j.kernels;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Vector widening of weight rows equals the reference ({@link Tensor#toFloats}) bit for bit, for every storage type. */
class WidenTwinTest {
    @Test
    void widenedRowsEqualTheReferenceExactly() {
        SplittableRandom r = new SplittableRandom(8);
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K,
                DType.Q5_0, DType.Q5_1, DType.Q5_K, DType.Q6_K}) {
            for (int in : dt.blockSize() == 256 ? new int[] {256, 512} : dt.isQuantized() ? new int[] {32, 160} : new int[] {3, 67, 512}) {
                int out = 9;
                float[] wf = new float[out * in];
                for (int i = 0; i < wf.length; i++) wf[i] = (float) (r.nextGaussian() * (i % 5 == 0 ? 1e-6 : 0.3));
                Tensor w = MatVecTwinTest.weights(wf, dt, out, in);
                for (int row = 0; row < out; row += 4) {
                    int rows = Math.min(3, out - row);
                    float[] expect = new float[rows * in + 5], got = new float[rows * in + 5];
                    w.toFloats((long) row * in, expect, 5, rows * in);
                    Widen.rows(w, (long) row * in, got, 5, rows * in);
                    assertArrayEquals(expect, got, dt + " in=" + in + " row " + row);
                }
            }
        }
    }
}
