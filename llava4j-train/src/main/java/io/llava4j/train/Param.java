package io.llava4j.train;

import java.util.Arrays;

/**
 * One trainable tensor: its values and a gradient buffer of the same length, both row-major with {@code shape}
 * (a Linear weight is [out, in] as in PyTorch). {@code decay} says whether AdamW's weight decay applies (not to biases
 * and norms, as the seeds' optimizer groups); {@code group} names the learning-rate group ("default", "mm_projector").
 */
public final class Param {
    public final String name;
    public final int[] shape;
    public final float[] data;
    public final float[] grad;
    public final boolean decay;
    public final String group;

    public Param(String name, int[] shape, float[] data, boolean decay, String group) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        this.name = name;
        this.shape = shape.clone();
        this.data = data;
        this.grad = new float[data.length];
        this.decay = decay;
        this.group = group;
    }

    public int size() { return data.length; }

    public void zeroGrad() { Arrays.fill(grad, 0f); }
}
