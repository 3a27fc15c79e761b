package io.llava4j.kernels;

/** Elementwise activations, in place over a[0..n). */
public final class Activations {
    private Activations() {}

    /** Exact GELU: x * 0.5 * (1 + erf(x / sqrt 2)) (PyTorch nn.GELU(), "gelu"). */
    public static void geluErf(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            double x = a[i];
            a[i] = (float) (0.5 * x * (1.0 + Erf.erf(x * 0.7071067811865476)));
        }
    }

    /** tanh-approximated GELU ("gelu_pytorch_tanh", "gelu_new"). */
    public static void geluTanh(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            double x = a[i];
            a[i] = (float) (0.5 * x * (1.0 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
        }
    }

    /** CLIP's quick_gelu: x * sigmoid(1.702 x). */
    public static void quickGelu(float[] a, int n) {
        for (int i = 0; i < n; i++) {
            float x = a[i];
            a[i] = x * (float) (1.0 / (1.0 + Math.exp(-1.702 * x)));
        }
    }

    /** SiLU: x * sigmoid(x). */
    public static float silu(float x) {
        return x * (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /** Applies the activation named as in HF configs. */
    public static void apply(String name, float[] a, int n) {
        switch (name) {
            case "gelu" -> geluErf(a, n);
            case "quick_gelu" -> quickGelu(a, n);
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> geluTanh(a, n);
            case "silu", "swish" -> { for (int i = 0; i < n; i++) a[i] = silu(a[i]); }
            case "relu" -> { for (int i = 0; i < n; i++) a[i] = Math.max(0f, a[i]); }
            default -> throw new IllegalArgumentException("unsupported activation '" + name
                    + "' (supported: gelu, quick_gelu, gelu_pytorch_tanh, gelu_new, silu, relu)");
        }
    }
}
