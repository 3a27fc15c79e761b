package io.llava4j.train.nn;

import io.llava4j.train.Param;

import java.util.Arrays;

/**
 * nn.Linear, y = x W^T + b, with an optional LoRA branch as PEFT computes it:
 * {@code y += scaling * B(A(dropout(x)))}, A [r, in], B [out, r], scaling = alpha / r. W is [out, in]; frozen (mapped)
 * or trainable; b may be null. Activations of one call live in a {@link Acts} the caller owns (so recomputation can
 * share one set across layers).
 */
public final class Linear {
    public final String name;
    public final int in, out;
    public final Weight w;
    public final VectorWeight b;
    private Lora lora;
    private boolean training = true;

    /** A LoRA adapter: trainable A and B, scaling alpha/r, dropout on the adapter's input. */
    public record Lora(Weight a, Weight b, float scaling, float dropout) {
        public int rank() { return a.rows; }
    }

    /** What forward leaves for backward. */
    public static final class Acts {
        float[] ax = new float[0];   // (n, r): A(dropout(x))
        float[] xd = new float[0];   // (n, in): dropout(x), only when dropout > 0
        float[] bax = new float[0];  // (n, out) scratch
        float[] dax = new float[0];  // (n, r) scratch
        long seed;

        void ensure(int n, int in, int out, int r, boolean dropout) {
            if (ax.length < n * r) ax = new float[n * r];
            if (dax.length < n * r) dax = new float[n * r];
            if (bax.length < n * out) bax = new float[n * out];
            if (dropout && xd.length < n * in) xd = new float[n * in];
        }
    }

    public Linear(String name, Weight w, VectorWeight b) {
        this.name = name;
        this.w = w;
        this.b = b;
        this.in = w.cols;
        this.out = w.rows;
        if (b != null && b.size() != out) throw new IllegalArgumentException(name + ": bias has " + b.size() + " values, expected " + out);
    }

    public Linear withLora(Param a, Param bParam, float scaling, float dropout) {
        if (a.shape[1] != in || bParam.shape[0] != out || bParam.shape[1] != a.shape[0]) {
            throw new IllegalArgumentException(name + ": LoRA A " + Arrays.toString(a.shape) + " / B " + Arrays.toString(bParam.shape)
                    + " do not fit [" + out + ", " + in + "]");
        }
        this.lora = new Lora(Weight.trainable(a), Weight.trainable(bParam), scaling, dropout);
        return this;
    }

    public Lora lora() { return lora; }

    /** Training mode applies the LoRA dropout; evaluation mode does not (nn.Dropout's train()/eval()). */
    public void setTraining(boolean training) { this.training = training; }

    /**
     * y (n, out) = forward of x (n, in). {@code seed} drives the LoRA dropout mask (the same seed must be passed to
     * backward); acts may be null when no LoRA and no backward follows.
     */
    public void forward(float[] x, int n, float[] y, Acts a, long seed) {
        Gemm.nt(x, n, in, w, b == null ? null : b.values, y);
        if (lora == null) return;
        int r = lora.rank();
        boolean drop = training && lora.dropout() > 0f;
        a.ensure(n, in, out, r, drop);
        a.seed = seed;
        float[] src = x;
        if (drop) { Dropout.apply(x, a.xd, n * in, seed, lora.dropout()); src = a.xd; }
        Gemm.nt(src, n, in, lora.a(), null, a.ax);
        Gemm.nt(a.ax, n, r, lora.b(), null, a.bax);
        float s = lora.scaling();
        for (int i = 0; i < n * out; i++) y[i] += s * a.bax[i];
    }

    /**
     * Backward: adds dL/dW, dL/db, dL/dA, dL/dB into the trainable parameters' grads and dL/dx into dx (when not null).
     * x is the forward's input, a its acts.
     */
    public void backward(float[] dy, float[] x, int n, float[] dx, Acts a) {
        if (b != null && b.trainable()) Gemm.biasAcc(dy, n, out, b.grad());
        if (w.trainable()) Gemm.tnAcc(dy, x, n, out, in, w.param.grad);
        if (dx != null) Gemm.nnAcc(dy, n, out, w, dx, in);
        if (lora == null) return;
        int r = lora.rank();
        float s = lora.scaling();
        boolean drop = training && lora.dropout() > 0f;
        float[] src = drop ? a.xd : x;
        // with sdy = s dy: dB += sdy^T ax ; dax = sdy B ; dA += dax^T src ; dx += (dax A) * mask
        float[] sdy = a.bax, dax = a.dax;
        for (int i = 0; i < n * out; i++) sdy[i] = s * dy[i];
        Gemm.tnAcc(sdy, a.ax, n, out, r, lora.b().param.grad);
        Arrays.fill(dax, 0, n * r, 0f);
        Gemm.nnAcc(sdy, n, out, lora.b(), dax, r);
        Gemm.tnAcc(dax, src, n, r, in, lora.a().param.grad);
        if (dx != null) {
            if (!drop) {
                Gemm.nnAcc(dax, n, r, lora.a(), dx, in);
            } else {
                float[] tmp = a.bax.length >= n * in ? a.bax : (a.bax = new float[n * in]);
                Arrays.fill(tmp, 0, n * in, 0f);
                Gemm.nnAcc(dax, n, r, lora.a(), tmp, in);
                float p = lora.dropout();
                for (int i = 0; i < n * in; i++) dx[i] += tmp[i] * Dropout.factor(a.seed, i, p);
            }
        }
    }
}
