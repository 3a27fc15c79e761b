package io.llava4j.nn;

import io.llava4j.kernels.Norms;
import io.llava4j.tensor.Tensor;

/** nn.LayerNorm over the last dimension. weight/bias (dim). */
public record LayerNorm(float[] weight, float[] bias, float eps) {

    public static LayerNorm of(Tensor w, Tensor b, float eps) {
        return new LayerNorm(w.toFloatArray(), b == null ? null : b.toFloatArray(), eps);
    }

    public int dim() { return weight.length; }

    /** x (n, dim) -> new (n, dim). */
    public float[] forward(float[] x, int n) {
        float[] out = new float[n * weight.length];
        Norms.layerNorm(x, n, weight.length, weight, bias, eps, out);
        return out;
    }
}
