package io.llava4j.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dot products of an fp32 vector with one row of ggml Q8_0 / Q4_0 blocks read straight from (mapped) memory:
 * int8 lanes widened to float (B2F) and FMA'd per block, then scaled by the block's fp16 scale. Each has a scalar
 * twin; the decode matrix-vector product uses them so no row is dequantized into a buffer.
 */
public final class QuantDot {
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private QuantDot() {}

    /** sum over blocks b of d_b * sum_j q_bj * x[xo + 32b + j], for {@code blocks} Q8_0 blocks starting at byte offset. */
    public static float q8(MemorySegment w, long offset, float[] x, int xo, int blocks) {
        if (F512.length() != 16) return q8Scalar(w, offset, x, xo, blocks);
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long base = offset + b * 34L;
            FloatVector d = FloatVector.broadcast(F512, Float.float16ToFloat(w.get(F16, base)));
            FloatVector q0 = (FloatVector) ByteVector.fromMemorySegment(B128, w, base + 2, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F512, 0);
            FloatVector q1 = (FloatVector) ByteVector.fromMemorySegment(B128, w, base + 18, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F512, 0);
            FloatVector s = q0.mul(FloatVector.fromArray(F512, x, xo + 32 * b)).add(q1.mul(FloatVector.fromArray(F512, x, xo + 32 * b + 16)));
            acc = s.fma(d, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    public static float q8Scalar(MemorySegment w, long offset, float[] x, int xo, int blocks) {
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            long base = offset + b * 34L;
            float d = Float.float16ToFloat(w.get(F16, base));
            float s = 0;
            for (int j = 0; j < 32; j++) s += w.get(ValueLayout.JAVA_BYTE, base + 2 + j) * x[xo + 32 * b + j];
            acc += d * s;
        }
        return acc;
    }

    /** Q4_0: low nibbles are elements 0..15 of a block, high nibbles 16..31; value (q - 8) * d. */
    public static float q4(MemorySegment w, long offset, float[] x, int xo, int blocks) {
        if (F512.length() != 16) return q4Scalar(w, offset, x, xo, blocks);
        ByteVector eight = ByteVector.broadcast(B128, (byte) 8);
        FloatVector acc = FloatVector.zero(F512);
        for (int b = 0; b < blocks; b++) {
            long base = offset + b * 18L;
            FloatVector d = FloatVector.broadcast(F512, Float.float16ToFloat(w.get(F16, base)));
            ByteVector q = ByteVector.fromMemorySegment(B128, w, base + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0x0f).sub(eight);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub(eight);
            FloatVector s = ((FloatVector) lo.convertShape(VectorOperators.B2F, F512, 0)).mul(FloatVector.fromArray(F512, x, xo + 32 * b));
            s = ((FloatVector) hi.convertShape(VectorOperators.B2F, F512, 0)).fma(FloatVector.fromArray(F512, x, xo + 32 * b + 16), s);
            acc = s.fma(d, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    public static float q4Scalar(MemorySegment w, long offset, float[] x, int xo, int blocks) {
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            long base = offset + b * 18L;
            float d = Float.float16ToFloat(w.get(F16, base));
            float s = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                s += ((q & 0x0f) - 8) * x[xo + 32 * b + j] + ((q >>> 4) - 8) * x[xo + 32 * b + 16 + j];
            }
            acc += d * s;
        }
        return acc;
    }
}
