package io.llava4j.tensor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Q5_0, Q5_1, Q5_K and Q6_K against an independent reference: src/test/resources/kquant/ggml_ref.py, a numpy port of
 * ggml's quantize_row_*_ref / dequantize_row_* (float32 scalar operations in C order), wrote x.f32 (768 values: three
 * super-blocks with zero runs, outliers, non-negative and near-empty blocks), the bytes it quantizes them to
 * ({@code <type>.q}) and their dequantization ({@code <type>.y.f32}). llava4j must dequantize those exact bytes to the
 * same floats (within 1 ulp; measured: bit exact) and quantize x to the same bytes.
 */
class KQuantReferenceTest {
    static final DType[] TYPES = {DType.Q5_0, DType.Q5_1, DType.Q5_K, DType.Q6_K};

    static byte[] resource(String name) throws IOException {
        try (InputStream in = KQuantReferenceTest.class.getResourceAsStream("/kquant/" + name)) {
            assertNotNull(in, "test resource kquant/" + name);
            return in.readAllBytes();
        }
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static String file(DType t) { return t.name().toLowerCase(); }

    @Test
    void dequantizationOfReferenceBytesEqualsTheNumpyPort() throws Exception {
        float[] x = floats(resource("x.f32"));
        assertEquals(768, x.length);
        for (DType t : TYPES) {
            byte[] q = resource(file(t) + ".q");
            float[] expect = floats(resource(file(t) + ".y.f32"));
            assertEquals(t.sizeOf(x.length), q.length, t + " bytes for 768 values");
            Tensor w = new Tensor("ref", t, new long[] {3, 256}, MemorySegment.ofArray(q));
            float[] got = w.toFloatArray();
            double maxAbs = 0;
            int maxUlp = 0, exact = 0;
            for (int i = 0; i < got.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(got[i] - expect[i]));
                int ulps = Math.abs(Float.floatToRawIntBits(got[i]) - Float.floatToRawIntBits(expect[i]));
                if (got[i] == expect[i]) ulps = 0; // +0 / -0
                maxUlp = Math.max(maxUlp, ulps);
                if (ulps == 0) exact++;
            }
            double err = 0;
            for (int i = 0; i < x.length; i++) err = Math.max(err, Math.abs(got[i] - x[i]));
            System.out.printf("[diff] %s dequantize vs numpy ggml port: max abs diff %.3e, max %d ulp, %d/%d bit exact (round trip of x: max error %.4f)%n",
                    t, maxAbs, maxUlp, exact, got.length, err);
            assertTrue(maxUlp <= 1, t + ": " + maxUlp + " ulp from the reference");
            // per-element and unaligned access take the per-block path: the same values
            for (int i = 0; i < got.length; i += 41) assertEquals(got[i], w.getFloat(i), t + " getFloat(" + i + ")");
            float[] part = new float[300];
            w.toFloats(13, part, 0, 300);
            for (int i = 0; i < 300; i++) assertEquals(got[13 + i], part[i], t + " toFloats from 13, [" + i + "]");
        }
    }

    @Test
    void quantizedBytesEqualTheNumpyPort() throws Exception {
        float[] x = floats(resource("x.f32"));
        for (DType t : TYPES) {
            byte[] expect = resource(file(t) + ".q");
            byte[] got = Quant.quantize(t, x).toArray(ValueLayout.JAVA_BYTE);
            int differ = 0;
            for (int i = 0; i < got.length; i++) if (got[i] != expect[i]) differ++;
            System.out.printf("[diff] %s quantize vs numpy ggml port: %d of %d bytes differ%n", t, differ, got.length);
            assertArrayEquals(expect, got, t + " bytes differ from the reference's");
        }
    }

    /** Round-trip error bounds on Gaussian data: more bits, smaller error, and Q6_K within a level of its grid. */
    @Test
    void roundTripErrorsOrderByBits() {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[256 * 32];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        DType[] types = {DType.Q4_0, DType.Q4_K, DType.Q5_0, DType.Q5_1, DType.Q5_K, DType.Q6_K, DType.Q8_0};
        double[] rel = new double[types.length];
        for (int k = 0; k < types.length; k++) {
            float[] back = new Tensor("q", types[k], new long[] {32, 256}, Quant.quantize(types[k], x)).toFloatArray();
            double se = 0, ss = 0;
            for (int i = 0; i < x.length; i++) {
                se += (back[i] - x[i]) * (double) (back[i] - x[i]);
                ss += x[i] * (double) x[i];
            }
            rel[k] = Math.sqrt(se / ss);
            System.out.printf("[diff] %s round trip (Gaussian): relative RMS error %.4f%n", types[k], rel[k]);
        }
        assertTrue(rel[2] < rel[0] && rel[4] < rel[1], "5-bit beats 4-bit");
        assertTrue(rel[5] < rel[4] && rel[5] < rel[3] && rel[6] < rel[5], "Q6_K between the 5-bit types and Q8_0");
        assertTrue(rel[5] < 0.02, "Q6_K relative RMS error " + rel[5]);
    }
}
