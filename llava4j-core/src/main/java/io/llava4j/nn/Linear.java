package io.llava4j.nn;

import io.llava4j.kernels.MatMul;
import io.llava4j.tensor.Tensor;

/**
 * nn.Linear: y = x W^T + b, optionally with an unmerged LoRA adapter: y += scale * (x A^T) B^T.
 * weight (out, in) stays in its stored type (memory-mapped); bias widened; A (r, in), B (out, r).
 */
public record Linear(Tensor weight, float[] bias, int in, int out, Tensor loraA, Tensor loraB, float loraScale) {

    public Linear {
        weight.requireShape(out, in);
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias of " + weight.name() + " has " + bias.length + " values, expected " + out);
        }
        if ((loraA == null) != (loraB == null)) throw new IllegalArgumentException("LoRA of " + weight.name() + " needs both A and B");
        if (loraA != null) {
            int r = (int) loraA.dim(0);
            loraA.requireShape(r, in);
            loraB.requireShape(out, r);
        }
    }

    public Linear(Tensor weight, float[] bias, int in, int out) { this(weight, bias, in, out, null, null, 0f); }

    /** From checkpoint tensors; bias may be null. Shapes are taken from the weight. */
    public static Linear of(Tensor weight, Tensor bias) {
        if (weight.rank() != 2) throw new IllegalArgumentException("linear weight " + weight + " must be 2-D");
        return new Linear(weight, bias == null ? null : bias.toFloatArray(), (int) weight.dim(1), (int) weight.dim(0));
    }

    /** The same layer with a LoRA adapter added (unmerged). */
    public Linear withLora(Tensor a, Tensor b, float scale) { return new Linear(weight, bias, in, out, a, b, scale); }

    public boolean hasLora() { return loraA != null; }

    /** x (n, in) -> (n, out). */
    public float[] forward(float[] x, int n) {
        float[] y = new float[n * out];
        forward(x, n, y);
        return y;
    }

    /** x (n, in) -> (n, out), each row computed exactly as for that row alone (batched decoding; see MatMul#matmulRowExact). */
    public float[] forwardRowExact(float[] x, int n) {
        float[] y = new float[n * out];
        MatMul.matmulRowExact(x, n, in, weight, bias, y, out);
        if (loraA != null) {
            int r = (int) loraA.dim(0);
            float[] ax = new float[n * r], bax = new float[n * out];
            MatMul.matmulRowExact(x, n, in, loraA, null, ax, r);
            MatMul.matmulRowExact(ax, n, r, loraB, null, bax, out);
            for (int i = 0; i < n * out; i++) y[i] += loraScale * bax[i];
        }
        return y;
    }

    public void forward(float[] x, int n, float[] y) {
        MatMul.matmul(x, n, in, weight, bias, y, out);
        if (loraA != null) {
            int r = (int) loraA.dim(0);
            float[] ax = MatMul.matmul(x, n, in, loraA, null, r);
            float[] bax = MatMul.matmul(ax, n, r, loraB, null, out);
            for (int i = 0; i < n * out; i++) y[i] += loraScale * bax[i];
        }
    }
}
