package io.llava4j.nn;

import io.llava4j.kernels.Norms;
import io.llava4j.tensor.Tensor;

/** LLaMA RMSNorm (weight only). weight (dim). */
public record RmsNorm(float[] weight, float eps) {

    public static RmsNorm of(Tensor w, float eps) { return new RmsNorm(w.toFloatArray(), eps); }

    public void forward(float[] x, int n, float[] out) {
        Norms.rmsNorm(x, n, weight.length, weight, eps, out);
    }

    public float[] forward(float[] x, int n) {
        float[] out = new float[n * weight.length];
        forward(x, n, out);
        return out;
    }
}
