package io.llava4j.train.nn;

import io.llava4j.tensor.Tensor;
import io.llava4j.train.Param;

/** A 1-D weight (bias, norm scale, class embedding): frozen values widened once, or a trainable {@link Param}. */
public final class VectorWeight {
    public final String name;
    public final float[] values;
    public final Param param;

    private VectorWeight(String name, float[] values, Param param) {
        this.name = name;
        this.values = values;
        this.param = param;
    }

    public static VectorWeight frozen(Tensor t) { return new VectorWeight(t.name(), t.toFloatArray(), null); }

    public static VectorWeight frozen(String name, float[] values) { return new VectorWeight(name, values, null); }

    public static VectorWeight trainable(Param p) { return new VectorWeight(p.name, p.data, p); }

    public boolean trainable() { return param != null; }

    public int size() { return values.length; }

    /** The gradient buffer, or null when frozen. */
    public float[] grad() { return param == null ? null : param.grad; }
}
