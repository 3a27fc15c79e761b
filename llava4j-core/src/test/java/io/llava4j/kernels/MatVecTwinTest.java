package io.llava4j.kernels;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decode kernels ({@link MatVec}: rows read straight from the segment) against their plain twin
 * ({@link ScalarOps#dotRow}: the reference dequantizer, then a double-precision dot) for every storage type, on 1 and
 * 2 threads (150 output rows: two chunks, the second starting at row 75), 1-3 input rows and lengths with vector tails.
 * Surefire runs this class at the machine's vector width and again with -Dllava4j.vector.bits=256.
 */
class MatVecTwinTest {
    final SplittableRandom rnd = new SplittableRandom(3);

    @AfterEach
    void restoreThreads() { Parallel.setThreads(Runtime.getRuntime().availableProcessors()); }

    float[] gauss(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }

    static Tensor weights(float[] wf, DType dt, int out, int in) {
        if (dt.isQuantized()) return new Tensor("w", dt, new long[] {out, in}, Quant.quantize(dt, wf));
        return KernelTwinTest.store("w", wf, dt, out, in);
    }

    @Test
    void everyStorageTypeMatchesTheScalarTwin() {
        System.out.println("[info] kernels use " + Vec.describe());
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K,
                DType.Q5_0, DType.Q5_1, DType.Q5_K, DType.Q6_K}) {
            int[] ins = dt.blockSize() == 256 ? new int[] {256, 768} : dt.isQuantized() ? new int[] {32, 96, 512} : new int[] {1, 7, 67, 300, 512};
            double worst = 0;
            for (int in : ins) for (int out : new int[] {37, 150}) {
                Tensor w = weights(gauss(out * in, 0.05), dt, out, in);
                float[] bias = gauss(out, 1);
                for (int n = 1; n <= 3; n++) {
                    float[] x = gauss(n * in, 1.5);
                    float[] expect = new float[n * out];
                    double[] mag = new double[n * out];
                    float[] row = new float[in];
                    for (int o = 0; o < out; o++) {
                        w.toFloats((long) o * in, row, 0, in);
                        for (int t = 0; t < n; t++) {
                            expect[t * out + o] = ScalarOps.dotRow(w, o, x, t * in, in) + bias[o];
                            for (int i = 0; i < in; i++) mag[t * out + o] += Math.abs(row[i] * x[t * in + i]);
                        }
                    }
                    for (int threads : new int[] {1, 2}) {
                        Parallel.setThreads(threads);
                        float[] got = new float[n * out];
                        MatVec.matvec(x, n, in, w, bias, got, out);
                        for (int i = 0; i < got.length; i++) {
                            double err = Math.abs(got[i] - expect[i]), allowed = 1e-5 * mag[i] + 1e-6;
                            worst = Math.max(worst, err / (mag[i] + 1e-30));
                            assertTrue(err <= allowed, dt + " in=" + in + " n=" + n + " threads=" + threads + " [" + i + "]: " + got[i] + " vs " + expect[i]);
                        }
                    }
                }
            }
            System.out.printf("[diff] matvec %s vs scalar twin: max error %.2e of sum|w*x|%n", dt, worst);
        }
    }

    /** Every finite half (incl. subnormals, +-0, 65504): the bit trick gives float16ToFloat(h) * 2^-112 exactly. */
    @Test
    void halfBitTrickIsExactForEveryFiniteHalf() {
        if (!Vec.BLOCKS) return;
        MemorySegment all = MemorySegment.ofArray(new short[65536]);
        for (int h = 0; h < 65536; h++) all.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, h, (short) h);
        float[] lanes = new float[Vec.L];
        for (int h = 0; h < 65536; h += Vec.L) {
            MatVec.halfBits(all, 2L * h).intoArray(lanes, 0);
            for (int j = 0; j < Vec.L; j++) {
                short bits = (short) (h + j);
                if ((bits & 0x7c00) == 0x7c00) continue; // inf / nan never occur in weights
                assertEquals(Float.float16ToFloat(bits), lanes[j] * MatVec.F16_SCALE, "half 0x" + Integer.toHexString(h + j));
            }
        }
    }

    /** Subnormal and extreme halves, and activations too large to pre-scale (the unscaled F16 path). */
    @Test
    void f16EdgeValuesAndLargeActivations() {
        int in = 96, out = 8;
        float[] wf = gauss(out * in, 1);
        for (int i = 0; i < wf.length; i += 5) wf[i] = (float) (rnd.nextGaussian() * 3e-6); // f16 subnormals
        wf[3] = 65504f; wf[4] = -65504f; wf[7] = -0f;
        Tensor w = KernelTwinTest.store("w", wf, DType.F16, out, in);
        for (double xs : new double[] {1, 1e5}) {
            float[] x = gauss(in, xs), got = new float[out];
            MatVec.matvec(x, 1, in, w, null, got, out);
            for (int o = 0; o < out; o++) {
                float e = ScalarOps.dotRow(w, o, x, 0, in);
                assertEquals(e, got[o], 1e-5 * Math.max(1, Math.abs(e)) * xs, "x scale " + xs + " row " + o);
            }
        }
    }
}
