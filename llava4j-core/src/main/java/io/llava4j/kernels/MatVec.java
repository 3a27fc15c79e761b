package io.llava4j.kernels;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static io.llava4j.kernels.Vec.B;
import static io.llava4j.kernels.Vec.F;
import static io.llava4j.kernels.Vec.I;
import static io.llava4j.kernels.Vec.L;
import static io.llava4j.kernels.Vec.S;

/**
 * Matrix-vector products for decoding: out[t][o] = dot(W[o], x[t]) + b[o] for a few input rows, with W (outDim, in)
 * read straight from its (mapped) segment in its stored type: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K,
 * Q6_K. Nothing is widened
 * into a buffer and nothing is allocated per call: the only per-call work on x is a prepared copy in a scratch array of
 * the calling thread (F16: x * 2^112, see {@link #dotF16}; Q4_0/Q4_K/Q5_0/Q5_1/Q5_K: the sum of x over each 32-block). Parallel over
 * output rows. Each row kernel has a plain twin, {@link ScalarOps#dotRow}.
 * <p>
 * Keep every weight segment of one implementation class (all mapped, or all native): the JIT keeps one type profile
 * per call site inside the Vector API's segment loads, and two classes made these kernels 25-35 % slower, three about
 * 4x slower (docs/PERFORMANCE.md; loaders that rewrite weights use {@link io.llava4j.format.MappedScratch}).
 */
public final class MatVec {
    private MatVec() {}

    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 2^112: an fp16 bit pattern shifted into fp32 position is the value times 2^-112 (normals and subnormals alike). */
    static final float F16_SCALE = 0x1p112f;
    /** Largest |x| for which x * 2^112 stays finite with room to spare; above it F16 uses the unscaled path. */
    private static final float F16_PRESCALE_LIMIT = 0x1p14f;

    private static final ThreadLocal<float[]> PREP = ThreadLocal.withInitial(() -> new float[0]);

    /** Rows of x (n, in), n small (decode): out (n, outDim). */
    public static void matvec(float[] x, int n, int in, Tensor w, float[] bias, float[] out, int outDim) {
        if (w.numel() != (long) outDim * in) throw new IllegalArgumentException("matvec: weight " + w + " is not [" + outDim + ", " + in + "]");
        DType dt = w.dtype();
        if (dt.isQuantized() && in % dt.blockSize() != 0) throw new IllegalArgumentException("matvec: rows of " + w + " are not whole blocks");
        int prepLen = switch (dt) {
            case F16 -> in;
            case Q4_0, Q4_K, Q5_0, Q5_1, Q5_K -> in / 32;
            default -> 0;
        } * n;
        float[] prep = PREP.get();
        if (prep.length < prepLen) { prep = new float[prepLen]; PREP.set(prep); }
        boolean scaled = prepare(dt, x, n, in, prep);
        final float[] p = prep;
        MemorySegment seg = w.data();
        long rowBytes = dt.sizeOf(in);
        Parallel.forRange(outDim, 64, (from, to) -> {
            for (int o = from; o < to; o++) {
                long off = o * rowBytes;
                float b = bias == null ? 0f : bias[o];
                for (int t = 0; t < n; t++) out[t * outDim + o] = dotRow(dt, seg, off, x, t * in, p, t, in, scaled) + b;
            }
        });
    }

    /** Prepares the per-call view of x in prep; returns whether F16 may use the pre-scaled x. */
    static boolean prepare(DType dt, float[] x, int n, int in, float[] prep) {
        switch (dt) {
            case F16 -> {
                float amax = 0;
                for (int i = 0; i < n * in; i++) amax = Math.max(amax, Math.abs(x[i]));
                if (!(amax < F16_PRESCALE_LIMIT)) return false;
                for (int i = 0; i < n * in; i++) prep[i] = x[i] * F16_SCALE;
                return true;
            }
            case Q4_0, Q4_K, Q5_0, Q5_1, Q5_K -> {
                int blocks = in / 32;
                for (int t = 0; t < n; t++) for (int b = 0; b < blocks; b++) prep[t * blocks + b] = blockSum(x, t * in + 32 * b);
                return false;
            }
            default -> { return false; }
        }
    }

    private static float blockSum(float[] x, int o) {
        if (Vec.BLOCKS) {
            FloatVector s = FloatVector.fromArray(F, x, o);
            for (int j = L; j < 32; j += L) s = s.add(FloatVector.fromArray(F, x, o + j));
            return s.reduceLanes(VectorOperators.ADD);
        }
        float s = 0;
        for (int j = 0; j < 32; j++) s += x[o + j];
        return s;
    }

    /** dot(row at byte {@code off}, x[xo..xo+in)); prep/t as made by {@link #prepare}. */
    static float dotRow(DType dt, MemorySegment w, long off, float[] x, int xo, float[] prep, int t, int in, boolean scaled) {
        return switch (dt) {
            case F32 -> dotF32(w, off, x, xo, in);
            case F16 -> scaled ? dotF16(w, off, prep, xo, x, in) : dotF16Unscaled(w, off, x, xo, in);
            case BF16 -> dotBF16(w, off, x, xo, in);
            case Q8_0 -> Vec.BLOCKS ? dotQ8_0(w, off, x, xo, in / 32) : ScalarOps.dotQ8_0(w, off, x, xo, in / 32);
            case Q4_0 -> Vec.BLOCKS ? dotQ4_0(w, off, x, xo, prep, t * (in / 32), in / 32) : ScalarOps.dotQ4_0(w, off, x, xo, in / 32);
            case Q4_K -> Vec.BLOCKS ? dotQ4_K(w, off, x, xo, prep, t * (in / 32), in / 256) : ScalarOps.dotQ4_K(w, off, x, xo, in / 256);
            case Q6_K -> Vec.BLOCKS ? dotQ6_K(w, off, x, xo, in / 256) : ScalarOps.dotQ6_K(w, off, x, xo, in / 256);
            case Q5_0 -> Vec.BLOCKS ? dotQ5_0(w, off, x, xo, prep, t * (in / 32), in / 32) : ScalarOps.dotBlocks(dt, w, off, x, xo, in / 32);
            case Q5_1 -> Vec.BLOCKS ? dotQ5_1(w, off, x, xo, prep, t * (in / 32), in / 32) : ScalarOps.dotBlocks(dt, w, off, x, xo, in / 32);
            case Q5_K -> Vec.BLOCKS ? dotQ5_K(w, off, x, xo, prep, t * (in / 32), in / 256) : ScalarOps.dotBlocks(dt, w, off, x, xo, in / 256);
            default -> throw new IllegalArgumentException("no matrix kernel for " + dt + " weights");
        };
    }

    static float dotF32(MemorySegment w, long off, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (n >= 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int bound = n - n % (4 * L); i < bound; i += 4 * L) {
                long p = off + 4L * i;
                a0 = FloatVector.fromMemorySegment(F, w, p, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
                a1 = FloatVector.fromMemorySegment(F, w, p + 4L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
                a2 = FloatVector.fromMemorySegment(F, w, p + 8L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + 2 * L), a2);
                a3 = FloatVector.fromMemorySegment(F, w, p + 12L * L, LE).fma(FloatVector.fromArray(F, x, xo + i + 3 * L), a3);
            }
            r = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += w.get(FL, off + 4L * i) * x[xo + i];
        return r;
    }

    /**
     * fp16 without a conversion instruction: the half's bits, sign-extended to 32 and shifted left by 13 (sign masked
     * back to bit 31), are a float equal to the half times 2^-112, exactly, subnormal halves included. x comes
     * pre-multiplied by 2^112 (xs), so each product equals w * x and the sum is the plain dot product's.
     */
    static float dotF16(MemorySegment w, long off, float[] xs, int xo, float[] x, int n) {
        int i = 0;
        float r = 0;
        if (Vec.BLOCKS && n >= 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
                long p = off + 2L * i;
                a0 = halfBits(w, p).fma(FloatVector.fromArray(F, xs, xo + i), a0);
                a1 = halfBits(w, p + 2L * L).fma(FloatVector.fromArray(F, xs, xo + i + L), a1);
            }
            r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += Float.float16ToFloat(w.get(H, off + 2L * i)) * x[xo + i];
        return r;
    }

    /** L halves at byte p as floats scaled by 2^-112 (see {@link #dotF16}). */
    static FloatVector halfBits(MemorySegment w, long p) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, p, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats();
    }

    /** fp16 rows for inputs too large to pre-scale: the same conversion, scaled back per vector. */
    static float dotF16Unscaled(MemorySegment w, long off, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (Vec.BLOCKS && n >= L) {
            FloatVector a = FloatVector.zero(F);
            for (int bound = n - n % L; i < bound; i += L) {
                a = halfBits(w, off + 2L * i).mul(F16_SCALE).fma(FloatVector.fromArray(F, x, xo + i), a);
            }
            r = a.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += Float.float16ToFloat(w.get(H, off + 2L * i)) * x[xo + i];
        return r;
    }

    static float dotBF16(MemorySegment w, long off, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (Vec.BLOCKS && n >= 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            for (int bound = n - n % (2 * L); i < bound; i += 2 * L) {
                long p = off + 2L * i;
                a0 = bf16(w, p).fma(FloatVector.fromArray(F, x, xo + i), a0);
                a1 = bf16(w, p + 2L * L).fma(FloatVector.fromArray(F, x, xo + i + L), a1);
            }
            r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += Float.intBitsToFloat(w.get(H, off + 2L * i) << 16) * x[xo + i];
        return r;
    }

    static FloatVector bf16(MemorySegment w, long p) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, p, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Q8_0: per block, int8 lanes widened (B2F) and FMA'd with x, then scaled by the block's fp16 d; two blocks per step. */
    static float dotQ8_0(MemorySegment w, long off, float[] x, int xo, int blocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long base = off + b * 34L;
            int xb = xo + 32 * b;
            FloatVector s0 = q8(w, base + 2).mul(FloatVector.fromArray(F, x, xb));
            FloatVector s1 = q8(w, base + 36).mul(FloatVector.fromArray(F, x, xb + 32));
            for (int j = L; j < 32; j += L) {
                s0 = q8(w, base + 2 + j).fma(FloatVector.fromArray(F, x, xb + j), s0);
                s1 = q8(w, base + 36 + j).fma(FloatVector.fromArray(F, x, xb + 32 + j), s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(H, base))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(H, base + 34))), acc1);
        }
        for (; b < blocks; b++) {
            long base = off + b * 34L;
            int xb = xo + 32 * b;
            FloatVector s = q8(w, base + 2).mul(FloatVector.fromArray(F, x, xb));
            for (int j = L; j < 32; j += L) s = q8(w, base + 2 + j).fma(FloatVector.fromArray(F, x, xb + j), s);
            acc0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(H, base))), acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector q8(MemorySegment w, long p) {
        return (FloatVector) ByteVector.fromMemorySegment(B, w, p, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Q4_0: value (q - 8) * d, so a block contributes d * (sum q x - 8 sum x); the nibbles are widened as they are
     * (no per-lane subtraction) and the block sums of x come from {@link #prepare}. Two blocks per step.
     */
    static float dotQ4_0(MemorySegment w, long off, float[] x, int xo, float[] sums, int so, int blocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float corr = 0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long base = off + b * 18L;
            int xb = xo + 32 * b;
            float d0 = Float.float16ToFloat(w.get(H, base)), d1 = Float.float16ToFloat(w.get(H, base + 18));
            acc0 = q4Block(w, base + 2, x, xb).fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = q4Block(w, base + 20, x, xb + 32).fma(FloatVector.broadcast(F, d1), acc1);
            corr += d0 * sums[so + b] + d1 * sums[so + b + 1];
        }
        for (; b < blocks; b++) {
            long base = off + b * 18L;
            float d = Float.float16ToFloat(w.get(H, base));
            acc0 = q4Block(w, base + 2, x, xo + 32 * b).fma(FloatVector.broadcast(F, d), acc0);
            corr += d * sums[so + b];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - 8 * corr;
    }

    /**
     * sum over the 32 nibbles at byte q (low nibbles: elements 0..15, high: 16..31) of q * x, as lanes. The bytes are
     * widened to int lanes before the nibbles are split: x86 has no byte-lane shift, so a byte LSHR compiles to a
     * widen-shift-narrow sequence, while an int shift is one instruction (Q4_0 decode +15 %, docs/PERFORMANCE.md).
     */
    private static FloatVector q4Block(MemorySegment w, long q, float[] x, int xb) {
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < 16; j += L) {
            IntVector v = bytesAsInts(w, q + j);
            s = lowNibbles(v).fma(FloatVector.fromArray(F, x, xb + j), s);
            s = highNibbles(v).fma(FloatVector.fromArray(F, x, xb + 16 + j), s);
        }
        return s;
    }

    /** L bytes at {@code at}, zero-extended to int lanes (0..255). */
    private static IntVector bytesAsInts(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, at, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    private static FloatVector lowNibbles(IntVector v) {
        return (FloatVector) v.and(15).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector highNibbles(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0); // v < 256: no mask
    }

    private static FloatVector nib(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Q4_K super-blocks of 256: sub-block j (32 values) is d*sc_j*q - dmin*m_j, so it contributes
     * d*sc_j * sum q x - dmin*m_j * sum x. Chunk c (32 bytes) holds sub-block 2c in its low nibbles and 2c+1 in its
     * high nibbles. The 12 scale bytes are unpacked with whole-word masks ({@link #q4kScales}).
     */
    static float dotQ4_K(MemorySegment w, long off, float[] x, int xo, float[] sums, int so, int superBlocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float corr = 0;
        for (int b = 0; b < superBlocks; b++) {
            long base = off + b * 144L;
            int xb = xo + 256 * b, sb = so + 8 * b;
            float d = Float.float16ToFloat(w.get(H, base)), dmin = Float.float16ToFloat(w.get(H, base + 2));
            long lo = w.get(LONG, base + 4);
            int hi = w.get(INT, base + 12);
            long sc = q4kScales(lo, hi), mn = q4kMins(lo, hi);
            float mins = 0;
            for (int c = 0; c < 4; c++) {
                long q = base + 16 + 32L * c;
                int xc = xb + 64 * c;
                FloatVector s0 = FloatVector.zero(F), s1 = s0;
                for (int j = 0; j < 32; j += L) {
                    IntVector v = bytesAsInts(w, q + j);
                    s0 = lowNibbles(v).fma(FloatVector.fromArray(F, x, xc + j), s0);
                    s1 = highNibbles(v).fma(FloatVector.fromArray(F, x, xc + 32 + j), s1);
                }
                int sh = 16 * c;
                acc0 = s0.fma(FloatVector.broadcast(F, d * (int) ((sc >>> sh) & 0xff)), acc0);
                acc1 = s1.fma(FloatVector.broadcast(F, d * (int) ((sc >>> (sh + 8)) & 0xff)), acc1);
                mins += (int) ((mn >>> sh) & 0xff) * sums[sb + 2 * c] + (int) ((mn >>> (sh + 8)) & 0xff) * sums[sb + 2 * c + 1];
            }
            corr += dmin * mins;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - corr;
    }

    /**
     * Q6_K super-blocks of 256 (ggml layout: ql[128] low nibbles, qh[64] high bit pairs, int8 scales[16], fp16 d at
     * byte 208): half h (128 values) takes ql[64h..64h+64) and qh[32h..32h+32); for l in 0..31 byte ql[l] holds
     * values l (low nibble) and l+64 (high), ql[l+32] values l+32 and l+96, and qh[l] their high bits in pairs 0-1,
     * 4-5 (l, l+64) and 2-3, 6-7 (l+32, l+96). Each 16 values share one scale: value = d * sc * (q - 32). The 6-bit
     * levels are rebuilt in byte lanes (the -32 included), widened to floats, and each 16-value sum is scaled once.
     */
    static float dotQ6_K(MemorySegment w, long off, float[] x, int xo, int superBlocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0; b < superBlocks; b++) {
            long base = off + b * 210L;
            float d = Float.float16ToFloat(w.get(H, base + 208));
            for (int h = 0; h < 2; h++) {
                long ql = base + 64L * h, qh = base + 128 + 32L * h, sc = base + 192 + 8L * h;
                int xh = xo + 256 * b + 128 * h;
                for (int is = 0; is < 2; is++) {
                    for (int k = 0; k < 4; k += 2) {
                        FloatVector s0 = FloatVector.zero(F), s1 = s0;
                        for (int l = 16 * is; l < 16 * is + 16; l += L) {
                            s0 = q6Levels(w, ql, qh, k, l).fma(FloatVector.fromArray(F, x, xh + 32 * k + l), s0);
                            s1 = q6Levels(w, ql, qh, k + 1, l).fma(FloatVector.fromArray(F, x, xh + 32 * k + 32 + l), s1);
                        }
                        acc0 = s0.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2 * k)), acc0);
                        acc1 = s1.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2 * k + 2)), acc1);
                    }
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Levels (q - 32) of Q6_K group k (0..3: values 32k + l.. of a half) as floats: the low nibble of ql[l + 32 (k & 1)]
     * (high nibble for k >= 2), bits 2k, 2k+1 of qh[l] above it.
     */
    static FloatVector q6Levels(MemorySegment w, long ql, long qh, int k, int l) {
        ByteVector lo = ByteVector.fromMemorySegment(B, w, ql + 32 * (k & 1) + l, LE);
        if (k >= 2) lo = lo.lanewise(VectorOperators.LSHR, 4);
        ByteVector h = ByteVector.fromMemorySegment(B, w, qh + l, LE);
        // bits 2k, 2k+1 of h to bits 4, 5, with constant shifts (a variable byte shift is slow on x86)
        ByteVector hi = switch (k) {
            case 0 -> h.and((byte) 0x03).lanewise(VectorOperators.LSHL, 4);
            case 1 -> h.and((byte) 0x0c).lanewise(VectorOperators.LSHL, 2);
            case 2 -> h.and((byte) 0x30);
            default -> h.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30);
        };
        return nib(lo.and((byte) 0x0f).or(hi).sub((byte) 32));
    }

    /** The low L bits: lane k of {@code VectorMask.fromLong(B, bits & LANE_BITS)} is bit k. */
    static final long LANE_BITS = (1L << L) - 1;

    /**
     * sum over the 32 five-bit levels of a Q5_0 / Q5_1 block (nibbles at byte q, fifth bits in qh: bit j for value j) of
     * level * x, as lanes; the fifth bits become lane masks (VectorMask.fromLong) that OR 16 into the nibble lanes.
     */
    private static FloatVector q5Block(MemorySegment w, long q, int qh, float[] x, int xb) {
        FloatVector s = FloatVector.zero(F);
        for (int j = 0; j < 16; j += L) {
            ByteVector v = ByteVector.fromMemorySegment(B, w, q + j, LE);
            VectorMask<Byte> h0 = VectorMask.fromLong(B, (qh >>> j) & LANE_BITS), h1 = VectorMask.fromLong(B, (qh >>> (16 + j)) & LANE_BITS);
            s = nib(v.and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h0)).fma(FloatVector.fromArray(F, x, xb + j), s);
            s = nib(v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h1))
                    .fma(FloatVector.fromArray(F, x, xb + 16 + j), s);
        }
        return s;
    }

    /** Q5_0 (fp16 d, 4 bytes of fifth bits, 16 of nibbles): value (q - 16) * d, so d * (sum q x - 16 sum x) per block. */
    static float dotQ5_0(MemorySegment w, long off, float[] x, int xo, float[] sums, int so, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        float corr = 0;
        for (int b = 0; b < blocks; b++) {
            long base = off + b * 22L;
            float d = Float.float16ToFloat(w.get(H, base));
            acc = q5Block(w, base + 6, w.get(INT, base + 2), x, xo + 32 * b).fma(FloatVector.broadcast(F, d), acc);
            corr += d * sums[so + b];
        }
        return acc.reduceLanes(VectorOperators.ADD) - 16 * corr;
    }

    /** Q5_1 (fp16 d, fp16 m, fifth bits, nibbles): value q * d + m, so d * sum q x + m * sum x per block. */
    static float dotQ5_1(MemorySegment w, long off, float[] x, int xo, float[] sums, int so, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0;
        for (int b = 0; b < blocks; b++) {
            long base = off + b * 24L;
            float d = Float.float16ToFloat(w.get(H, base)), m = Float.float16ToFloat(w.get(H, base + 2));
            acc = q5Block(w, base + 8, w.get(INT, base + 4), x, xo + 32 * b).fma(FloatVector.broadcast(F, d), acc);
            mins += m * sums[so + b];
        }
        return acc.reduceLanes(VectorOperators.ADD) + mins;
    }

    /**
     * Q5_K: Q4_K's header and nibbles (see {@link #dotQ4_K}) with 32 bytes of fifth bits before the nibbles: bit 2c of
     * byte l is the fifth bit of value l of sub-block 2c, bit 2c+1 that of sub-block 2c+1. The levels (0..31) are
     * rebuilt in byte lanes.
     */
    static float dotQ5_K(MemorySegment w, long off, float[] x, int xo, float[] sums, int so, int superBlocks) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float corr = 0;
        for (int b = 0; b < superBlocks; b++) {
            long base = off + b * 176L;
            int xb = xo + 256 * b, sb = so + 8 * b;
            float d = Float.float16ToFloat(w.get(H, base)), dmin = Float.float16ToFloat(w.get(H, base + 2));
            long lo = w.get(LONG, base + 4);
            int hi = w.get(INT, base + 12);
            long sc = q4kScales(lo, hi), mn = q4kMins(lo, hi);
            float mins = 0;
            for (int c = 0; c < 4; c++) {
                long q = base + 48 + 32L * c;
                int xc = xb + 64 * c;
                byte m0 = (byte) (1 << (2 * c)), m1 = (byte) (2 << (2 * c));
                FloatVector s0 = FloatVector.zero(F), s1 = s0;
                for (int j = 0; j < 32; j += L) {
                    ByteVector v = ByteVector.fromMemorySegment(B, w, q + j, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, base + 16 + j, LE);
                    ByteVector l0 = v.and((byte) 0x0f).lanewise(VectorOperators.OR, (byte) 0x10, h.and(m0).compare(VectorOperators.NE, (byte) 0));
                    ByteVector l1 = v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f)
                            .lanewise(VectorOperators.OR, (byte) 0x10, h.and(m1).compare(VectorOperators.NE, (byte) 0));
                    s0 = nib(l0).fma(FloatVector.fromArray(F, x, xc + j), s0);
                    s1 = nib(l1).fma(FloatVector.fromArray(F, x, xc + 32 + j), s1);
                }
                int sh = 16 * c;
                acc0 = s0.fma(FloatVector.broadcast(F, d * (int) ((sc >>> sh) & 0xff)), acc0);
                acc1 = s1.fma(FloatVector.broadcast(F, d * (int) ((sc >>> (sh + 8)) & 0xff)), acc1);
                mins += (int) ((mn >>> sh) & 0xff) * sums[sb + 2 * c] + (int) ((mn >>> (sh + 8)) & 0xff) * sums[sb + 2 * c + 1];
            }
            corr += dmin * mins;
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - corr;
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /**
     * The eight 6-bit scales of a Q4_K block, one per byte (sub-block j in byte j), from its 12 scale bytes read as
     * lo (bytes 0..7) and hi (8..11): get_scale_min_k4 for all j at once.
     */
    static long q4kScales(long lo, int hi) {
        int low = (int) lo & 0x3F3F3F3F;
        int high = (hi & 0x0F0F0F0F) | ((((int) lo >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** The eight 6-bit mins, one per byte (see {@link #q4kScales}). */
    static long q4kMins(long lo, int hi) {
        int l4 = (int) (lo >>> 32);
        int low = l4 & 0x3F3F3F3F;
        int high = ((hi >>> 4) & 0x0F0F0F0F) | (((l4 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }
}
