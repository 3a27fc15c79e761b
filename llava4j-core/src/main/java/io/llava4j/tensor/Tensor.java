package io.llava4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A named, read-only, row-major tensor over a (usually memory-mapped) segment. Weights stay in their
 * stored type; {@link #getFloat} and {@link #toFloatArray} widen to fp32.
 *
 * @param name  checkpoint name (for error messages)
 * @param dtype storage type
 * @param shape dimensions, outermost first
 * @param data  exactly {@code dtype.sizeOf(numel)} bytes, little-endian
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    public Tensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor " + name + ": negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (dtype.isQuantized() && shape.length > 0 && shape[shape.length - 1] % dtype.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": rows of " + shape[shape.length - 1] + " values are not whole "
                    + dtype + " blocks of " + dtype.blockSize());
        }
        if (n % dtype.blockSize() != 0 || data.byteSize() != dtype.sizeOf(n)) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes for shape "
                    + Arrays.toString(shape) + " of " + dtype + " (expected " + (n % dtype.blockSize() == 0 ? dtype.sizeOf(n) : "whole blocks") + ")");
        }
    }

    public long numel() { return data.byteSize() / dtype.blockBytes() * dtype.blockSize(); }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    /** Element {@code i} (flat index) widened to float. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
            case BF16 -> Float.intBitsToFloat(data.getAtIndex(I16, i) << 16);
            case I64 -> data.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
            case I32 -> data.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            case Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K, Q6_K -> {
                float[] one = new float[dtype.blockSize()];
                long block = i / dtype.blockSize();
                Quant.dequantize(dtype, data, block, one, 0, 1);
                yield one[(int) (i % dtype.blockSize())];
            }
        };
    }

    /** Copies {@code len} elements starting at flat index {@code from} into {@code dst[off..]} as floats. */
    public void toFloats(long from, float[] dst, int off, int len) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32, from * 4, dst, off, len);
            case F16 -> {
                for (int i = 0; i < len; i++) dst[off + i] = Float.float16ToFloat(data.getAtIndex(I16, from + i));
            }
            case BF16 -> {
                for (int i = 0; i < len; i++) dst[off + i] = Float.intBitsToFloat(data.getAtIndex(I16, from + i) << 16);
            }
            case Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K, Q6_K -> {
                int bs = dtype.blockSize();
                if (from % bs == 0 && len % bs == 0) {
                    Quant.dequantize(dtype, data, from / bs, dst, off, len / bs);
                } else {
                    // partial blocks at either end: widen the covering blocks one at a time
                    float[] one = new float[bs];
                    for (long i = from; i < from + len; ) {
                        long block = i / bs;
                        Quant.dequantize(dtype, data, block, one, 0, 1);
                        int start = (int) (i - block * bs), n = (int) Math.min(bs - start, from + len - i);
                        System.arraycopy(one, start, dst, off + (int) (i - from), n);
                        i += n;
                    }
                }
            }
            default -> {
                for (int i = 0; i < len; i++) dst[off + i] = getFloat(from + i);
            }
        }
    }

    /** The whole tensor widened to a new float array (only for small tensors: biases, norms, embeddings rows). */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor " + name + " too large for one array: " + n);
        float[] out = new float[(int) n];
        toFloats(0, out, 0, (int) n);
        return out;
    }

    /** A view of rows {@code [from, from+count)} along dimension 0. */
    public Tensor rows(long from, long count) {
        long rowElems = numel() / shape[0];
        long[] s = shape.clone();
        s[0] = count;
        return new Tensor(name + "[" + from + ":" + (from + count) + "]", dtype, s,
                data.asSlice(dtype.sizeOf(from * rowElems), dtype.sizeOf(count * rowElems)));
    }

    /** Throws unless the shape equals {@code expected}. */
    public Tensor requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected) + " (does config.json match the weights?)");
        }
        return this;
    }

    /** A heap-backed fp32 tensor (for tests and for weights computed at load time). */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        MemorySegment seg = MemorySegment.ofArray(values.clone());
        return new Tensor(name, DType.F32, shape, seg);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + dtype + " " + Arrays.toString(shape) + "]";
    }
}
