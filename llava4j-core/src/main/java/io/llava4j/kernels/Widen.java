package io.llava4j.kernels;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static io.llava4j.kernels.Vec.B;
import static io.llava4j.kernels.Vec.F;
import static io.llava4j.kernels.Vec.L;

/**
 * Widening of stored weight rows to fp32 with vector code, for the matrix-matrix kernel's weight panels. The values
 * are bit-identical to {@link Tensor#toFloats} (its twin): the same products in the same order, no FMA.
 */
public final class Widen {
    private Widen() {}

    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Elements [from, from+len) of w (from and len whole rows, so whole blocks) into dst[off..]. */
    public static void rows(Tensor w, long from, float[] dst, int off, int len) {
        DType dt = w.dtype();
        if (!Vec.BLOCKS || dt == DType.F32) { w.toFloats(from, dst, off, len); return; }
        MemorySegment seg = w.data();
        switch (dt) {
            case F16 -> f16(seg, 2 * from, dst, off, len);
            case BF16 -> bf16(seg, 2 * from, dst, off, len);
            case Q8_0 -> q8_0(seg, from / 32 * 34, dst, off, len / 32);
            case Q4_0 -> q4_0(seg, from / 32 * 18, dst, off, len / 32);
            case Q4_K -> q4_K(seg, from / 256 * 144, dst, off, len / 256);
            case Q5_0 -> q5(seg, from / 32 * 22, false, dst, off, len / 32);
            case Q5_1 -> q5(seg, from / 32 * 24, true, dst, off, len / 32);
            case Q5_K -> q5_K(seg, from / 256 * 176, dst, off, len / 256);
            case Q6_K -> q6_K(seg, from / 256 * 210, dst, off, len / 256);
            default -> w.toFloats(from, dst, off, len);
        }
    }

    static void f16(MemorySegment w, long p, float[] dst, int off, int n) {
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) MatVec.halfBits(w, p + 2L * i).mul(MatVec.F16_SCALE).intoArray(dst, off + i);
        for (; i < n; i++) dst[off + i] = Float.float16ToFloat(w.get(H, p + 2L * i));
    }

    static void bf16(MemorySegment w, long p, float[] dst, int off, int n) {
        int i = 0;
        for (int bound = n - n % L; i < bound; i += L) MatVec.bf16(w, p + 2L * i).intoArray(dst, off + i);
        for (; i < n; i++) dst[off + i] = Float.intBitsToFloat(w.get(H, p + 2L * i) << 16);
    }

    static void q8_0(MemorySegment w, long p, float[] dst, int off, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long base = p + 34L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(H, base)));
            for (int j = 0; j < 32; j += L) {
                ((FloatVector) ByteVector.fromMemorySegment(B, w, base + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d).intoArray(dst, off + 32 * b + j);
            }
        }
    }

    static void q4_0(MemorySegment w, long p, float[] dst, int off, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long base = p + 18L * b;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(H, base)));
            for (int j = 0; j < 16; j += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, base + 2 + j, LE);
                nib(q.and((byte) 0x0f).sub((byte) 8)).mul(d).intoArray(dst, off + 32 * b + j);
                nib(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8)).mul(d).intoArray(dst, off + 32 * b + 16 + j);
            }
        }
    }

    static void q4_K(MemorySegment w, long p, float[] dst, int off, int superBlocks) {
        for (int b = 0; b < superBlocks; b++) {
            long base = p + 144L * b;
            float d = Float.float16ToFloat(w.get(H, base)), dmin = Float.float16ToFloat(w.get(H, base + 2));
            long lo = w.get(ValueLayout.JAVA_LONG_UNALIGNED, base + 4);
            int hi = w.get(ValueLayout.JAVA_INT_UNALIGNED, base + 12);
            long sc = MatVec.q4kScales(lo, hi), mn = MatVec.q4kMins(lo, hi);
            for (int c = 0; c < 4; c++) {
                int sh = 16 * c;
                FloatVector d1 = FloatVector.broadcast(F, d * (int) ((sc >>> sh) & 0xff)), m1 = FloatVector.broadcast(F, dmin * (int) ((mn >>> sh) & 0xff));
                FloatVector d2 = FloatVector.broadcast(F, d * (int) ((sc >>> (sh + 8)) & 0xff)), m2 = FloatVector.broadcast(F, dmin * (int) ((mn >>> (sh + 8)) & 0xff));
                long q = base + 16 + 32L * c;
                int y = off + 256 * b + 64 * c;
                for (int j = 0; j < 32; j += L) {
                    ByteVector v = ByteVector.fromMemorySegment(B, w, q + j, LE);
                    nib(v.and((byte) 0x0f)).mul(d1).sub(m1).intoArray(dst, y + j);
                    nib(v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)).mul(d2).sub(m2).intoArray(dst, y + 32 + j);
                }
            }
        }
    }

    /** Q5_0 (value (q - 16) * d) or Q5_1 (q * d + m) blocks: the fifth bits OR'd in as lane masks. */
    static void q5(MemorySegment w, long p, boolean hasMin, float[] dst, int off, int blocks) {
        int bb = hasMin ? 24 : 22, qs = hasMin ? 8 : 6;
        for (int b = 0; b < blocks; b++) {
            long base = p + (long) bb * b;
            float df = Float.float16ToFloat(w.get(H, base));
            FloatVector d = FloatVector.broadcast(F, df);
            FloatVector m = FloatVector.broadcast(F, hasMin ? Float.float16ToFloat(w.get(H, base + 2)) : 0f);
            int qh = w.get(ValueLayout.JAVA_INT_UNALIGNED, base + qs - 4);
            byte bias = (byte) (hasMin ? 0 : 16);
            for (int j = 0; j < 16; j += L) {
                ByteVector v = ByteVector.fromMemorySegment(B, w, base + qs + j, LE);
                VectorMask<Byte> h0 = VectorMask.fromLong(B, (qh >>> j) & MatVec.LANE_BITS), h1 = VectorMask.fromLong(B, (qh >>> (16 + j)) & MatVec.LANE_BITS);
                FloatVector x0 = nib(v.and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h0).sub(bias)).mul(d);
                FloatVector x1 = nib(v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h1).sub(bias)).mul(d);
                if (hasMin) { x0 = x0.add(m); x1 = x1.add(m); }
                x0.intoArray(dst, off + 32 * b + j);
                x1.intoArray(dst, off + 32 * b + 16 + j);
            }
        }
    }

    static void q5_K(MemorySegment w, long p, float[] dst, int off, int superBlocks) {
        for (int b = 0; b < superBlocks; b++) {
            long base = p + 176L * b;
            float d = Float.float16ToFloat(w.get(H, base)), dmin = Float.float16ToFloat(w.get(H, base + 2));
            long lo = w.get(ValueLayout.JAVA_LONG_UNALIGNED, base + 4);
            int hi = w.get(ValueLayout.JAVA_INT_UNALIGNED, base + 12);
            long sc = MatVec.q4kScales(lo, hi), mn = MatVec.q4kMins(lo, hi);
            for (int c = 0; c < 4; c++) {
                int sh = 16 * c;
                FloatVector d1 = FloatVector.broadcast(F, d * (int) ((sc >>> sh) & 0xff)), m1 = FloatVector.broadcast(F, dmin * (int) ((mn >>> sh) & 0xff));
                FloatVector d2 = FloatVector.broadcast(F, d * (int) ((sc >>> (sh + 8)) & 0xff)), m2 = FloatVector.broadcast(F, dmin * (int) ((mn >>> (sh + 8)) & 0xff));
                byte b0 = (byte) (1 << (2 * c)), b1 = (byte) (2 << (2 * c));
                long q = base + 48 + 32L * c;
                int y = off + 256 * b + 64 * c;
                for (int j = 0; j < 32; j += L) {
                    ByteVector v = ByteVector.fromMemorySegment(B, w, q + j, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, base + 16 + j, LE);
                    nib(v.and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h.and(b0).compare(VectorOperators.NE, (byte) 0)))
                            .mul(d1).sub(m1).intoArray(dst, y + j);
                    nib(v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h.and(b1).compare(VectorOperators.NE, (byte) 0)))
                            .mul(d2).sub(m2).intoArray(dst, y + 32 + j);
                }
            }
        }
    }

    /** Q6_K: (d * sc) * (q - 32), the product in the reference's order. */
    static void q6_K(MemorySegment w, long p, float[] dst, int off, int superBlocks) {
        for (int b = 0; b < superBlocks; b++) {
            long base = p + 210L * b;
            float d = Float.float16ToFloat(w.get(H, base + 208));
            for (int h = 0; h < 2; h++) {
                long ql = base + 64L * h, qh = base + 128 + 32L * h, sc = base + 192 + 8L * h;
                int y = off + 256 * b + 128 * h;
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l += L) {
                        float s = d * w.get(ValueLayout.JAVA_BYTE, sc + l / 16 + 2 * k);
                        MatVec.q6Levels(w, ql, qh, k, l).mul(s).intoArray(dst, y + 32 * k + l);
                    }
                }
            }
        }
    }

    private static FloatVector nib(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }
}
