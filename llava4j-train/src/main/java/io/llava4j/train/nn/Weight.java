package io.llava4j.train.nn;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import io.llava4j.train.Param;

import java.lang.foreign.MemorySegment;

/**
 * A matrix [rows, cols] (a Linear weight is [out, in]) that is either frozen, read straight from the checkpoint's
 * memory-mapped tensor in its stored type, or trainable, living in a {@link Param}'s float[] (then {@link #tensor} is a
 * zero-copy view of that array, so the core kernels see the optimizer's updates).
 */
public final class Weight {
    public final String name;
    public final int rows, cols;
    /** The values for the core kernels: the checkpoint tensor, or an F32 view of {@link #dense}. */
    public final Tensor tensor;
    /** The values as a float[] when they live in one (trainable weights), else null. */
    public final float[] dense;
    /** The trainable parameter, or null when frozen. */
    public final Param param;

    private Weight(String name, int rows, int cols, Tensor tensor, float[] dense, Param param) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.tensor = tensor;
        this.dense = dense;
        this.param = param;
    }

    /** A frozen weight over a checkpoint tensor (2-D, or any rank viewed as [dim0, rest]). */
    public static Weight frozen(Tensor t) {
        int rows = (int) t.dim(0);
        long cols = t.numel() / rows;
        Tensor view = t.rank() == 2 ? t : new Tensor(t.name(), t.dtype(), new long[] {rows, cols}, t.data());
        return new Weight(t.name(), rows, (int) cols, view, null, null);
    }

    /** A frozen weight over values already in memory. */
    public static Weight frozen(String name, float[] values, int rows, int cols) {
        return new Weight(name, rows, cols, view(name, values, rows, cols), values, null);
    }

    /** A frozen view of the first rows*cols values of an array that may be longer (scratch buffers). */
    static Weight frozenView(String name, float[] values, int rows, int cols) {
        Tensor t = new Tensor(name, DType.F32, new long[] {rows, cols}, MemorySegment.ofArray(values).asSlice(0, (long) rows * cols * 4));
        return new Weight(name, rows, cols, t, values, null);
    }

    /** A trainable weight: p's shape is read as [shape[0], rest]. */
    public static Weight trainable(Param p) {
        int rows = p.shape[0];
        int cols = p.size() / rows;
        return new Weight(p.name, rows, cols, view(p.name, p.data, rows, cols), p.data, p);
    }

    private static Tensor view(String name, float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length) throw new IllegalArgumentException(name + ": " + values.length + " values for [" + rows + ", " + cols + "]");
        return new Tensor(name, DType.F32, new long[] {rows, cols}, MemorySegment.ofArray(values));
    }

    public boolean trainable() { return param != null; }

    /** Row r's elements [c0, c0+len) widened to float into dst[off..]. */
    public void row(int r, int c0, float[] dst, int off, int len) {
        if (dense != null) System.arraycopy(dense, r * cols + c0, dst, off, len);
        else tensor.toFloats((long) r * cols + c0, dst, off, len);
    }

    /** The whole matrix widened to a new float[] (tests and small weights only). */
    public float[] toFloats() {
        return dense != null ? dense.clone() : tensor.toFloatArray();
    }

    @Override public String toString() { return name + " [" + rows + ", " + cols + "]" + (trainable() ? " trainable" : " frozen " + tensor.dtype()); }
}
