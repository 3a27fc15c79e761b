package io.llava4j.kernels;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every fast kernel against its plain twin, over lengths that hit the vector body and every tail size. */
class KernelTwinTest {
    final SplittableRandom rnd = new SplittableRandom(7);

    float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    @Test
    void dotMatchesScalarForAllLengthsAndOffsets() {
        double worst = 0;
        for (int n = 0; n <= 200; n++) {
            for (int off : new int[] {0, 1, 3}) {
                float[] a = rand(n + off), b = rand(n + off);
                float v = VectorOps.dot(a, off, b, off, n), s = ScalarOps.dot(a, off, b, off, n);
                worst = Math.max(worst, Math.abs(v - s));
                assertEquals(s, v, 1e-4 * Math.max(1, Math.sqrt(n)), "n=" + n + " off=" + off);
            }
        }
        System.out.printf("[diff] dot vector vs scalar: max abs diff %.3e%n", worst);
    }

    @Test
    void axpyMatchesScalar() {
        for (int n = 0; n <= 70; n++) {
            float[] x = rand(n), y1 = rand(n), y2 = y1.clone();
            VectorOps.axpy(0.37f, x, 0, y1, 0, n);
            ScalarOps.axpy(0.37f, x, 0, y2, 0, n);
            for (int i = 0; i < n; i++) assertEquals(y2[i], y1[i], 1e-6);
        }
    }

    @Test
    void matmulMatchesScalarForEveryStorageType() {
        int n = 5, in = 67, out = 41;
        float[] x = rand(n * in), wf = rand(out * in), bias = rand(out);
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor w = store("w", wf, dt, out, in);
            float[] widened = w.toFloatArray();
            float[] expect = new float[n * out], got = new float[n * out];
            ScalarOps.matmul(x, n, in, widened, bias, expect, out);
            for (int threads : new int[] {1, 2}) {
                Parallel.setThreads(threads);
                MatMul.matmul(x, n, in, w, bias, got, out);
                double d = 0;
                for (int i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - expect[i]));
                System.out.printf("[diff] matmul %s threads=%d vs scalar: max abs diff %.3e%n", dt, threads, d);
                assertTrue(d < 1e-4, dt + " diff " + d);
            }
        }
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void tiledMatmulMatchesScalarOnOddShapes() {
        for (int[] dims : new int[][] {{4, 16, 4}, {7, 67, 41}, {13, 200, 130}, {37, 33, 70}}) {
            int n = dims[0], in = dims[1], out = dims[2];
            float[] x = rand(n * in), wf = rand(out * in), bias = rand(out);
            for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                Tensor w = store("w", wf, dt, out, in);
                float[] expect = new float[n * out], got = new float[n * out];
                ScalarOps.matmul(x, n, in, w.toFloatArray(), bias, expect, out);
                for (int threads : new int[] {1, 2}) {
                    Parallel.setThreads(threads);
                    TiledMatMul.matmul(x, n, in, w, bias, got, out);
                    double d = 0;
                    for (int i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - expect[i]));
                    assertTrue(d < 1e-4, n + "x" + in + "x" + out + " " + dt + " diff " + d);
                }
            }
        }
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** The packed outer-product kernel against the scalar twin: odd row counts, partial column blocks, several K panels, every storage type. */
    @Test
    void packedMatmulMatchesScalarOnOddShapes() {
        double worst = 0;
        int[][] shapes = {{1, 16, 4}, {4, 16, 64}, {5, 67, 41}, {13, 300, 130}, {37, 513, 70}, {9, 1024, 129}};
        for (int[] dims : shapes) {
            int n = dims[0], in = dims[1], out = dims[2];
            float[] x = rand(n * in), wf = rand(out * in), bias = rand(out);
            for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                worst = Math.max(worst, packedVsScalar(x, n, in, store("w", wf, dt, out, in), bias, out, dt + " " + n + "x" + in + "x" + out));
                worst = Math.max(worst, packedVsScalar(x, n, in, store("w", wf, dt, out, in), null, out, dt + " no bias " + n + "x" + in + "x" + out));
            }
        }
        for (int[] dims : new int[][] {{6, 512, 70}, {11, 768, 65}}) { // block-quantized: rows a whole number of Q4_K super-blocks
            int n = dims[0], in = dims[1], out = dims[2];
            float[] x = rand(n * in), wf = rand(out * in), bias = rand(out);
            for (DType dt : new DType[] {DType.Q8_0, DType.Q4_0, DType.Q4_K}) {
                Tensor w = new Tensor("w", dt, new long[] {out, in}, io.llava4j.tensor.Quant.quantize(dt, wf));
                worst = Math.max(worst, packedVsScalar(x, n, in, w, bias, out, dt + " " + n + "x" + in + "x" + out));
            }
        }
        System.out.printf("[diff] packed matmul vs scalar twin (all shapes and types, 1 and 2 threads): max error %.3e of sum|w*x|%n", worst);
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static double packedVsScalar(float[] x, int n, int in, Tensor w, float[] bias, int out, String what) {
        float[] wf = w.toFloatArray();
        float[] expect = new float[n * out];
        ScalarOps.matmul(x, n, in, wf, bias, expect, out);
        double worst = 0;
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            float[] got = new float[n * out];
            java.util.Arrays.fill(got, Float.NaN); // every output must be written
            PackedMatMul.matmul(x, n, in, w, bias, got, out);
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < out; o++) {
                    double scale = 1e-30;
                    for (int k = 0; k < in; k++) scale += Math.abs(x[t * in + k] * wf[o * in + k]);
                    double e = Math.abs(got[t * out + o] - expect[t * out + o]) / scale;
                    assertTrue(e < 1e-5, what + " threads=" + threads + " [" + t + "," + o + "]: " + got[t * out + o] + " vs " + expect[t * out + o]);
                    worst = Math.max(worst, e);
                }
            }
        }
        return worst;
    }

    @Test
    void erfIsAccurate() {
        // reference values of erf from tables
        double[][] ref = {{0, 0}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149}, {2, 0.9953222650189527},
                {3, 0.9999779095030014}, {-1.5, -0.9661051464753108}, {4, 0.9999999845827421}, {7, 1.0}};
        for (double[] r : ref) assertEquals(r[1], Erf.erf(r[0]), 1e-14, "erf(" + r[0] + ")");
    }

    static Tensor store(String name, float[] v, DType dt, long... shape) {
        MemorySegment seg = MemorySegment.ofArray(new byte[v.length * dt.bytes()]);
        for (int i = 0; i < v.length; i++) {
            switch (dt) {
                case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v[i]);
                case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v[i]));
                case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToIntBits(v[i]) >>> 16));
                default -> throw new IllegalArgumentException();
            }
        }
        return new Tensor(name, dt, shape, seg);
    }
}
