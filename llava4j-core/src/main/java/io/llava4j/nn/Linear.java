package io.llava4j.nn;

import io.llava4j.kernels.MatMul;
import io.llava4j.tensor.Tensor;

/**
 * nn.Linear: y = x W^T + b. weight (out, in) stays in its stored type (memory-mapped); bias widened.
 */
public record Linear(Tensor weight, float[] bias, int in, int out) {

    public Linear {
        weight.requireShape(out, in);
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias of " + weight.name() + " has " + bias.length + " values, expected " + out);
        }
    }

    /** From checkpoint tensors; bias may be null. Shapes are taken from the weight. */
    public static Linear of(Tensor weight, Tensor bias) {
        if (weight.rank() != 2) throw new IllegalArgumentException("linear weight " + weight + " must be 2-D");
        return new Linear(weight, bias == null ? null : bias.toFloatArray(), (int) weight.dim(1), (int) weight.dim(0));
    }

    /** x (n, in) -> (n, out). */
    public float[] forward(float[] x, int n) {
        return MatMul.matmul(x, n, in, weight, bias, out);
    }

    public void forward(float[] x, int n, float[] y) {
        MatMul.matmul(x, n, in, weight, bias, y, out);
    }
}
