package io.llava4j.train.optim;

import io.llava4j.train.Param;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (non-amsgrad, non-fused): for each parameter, first the decoupled decay
 * {@code p -= lr * wd * p} (only where {@link Param#decay}), then {@code m = b1 m + (1-b1) g},
 * {@code v = b2 v + (1-b2) g^2}, {@code p -= lr * (m / (1-b1^t)) / (sqrt(v) / sqrt(1-b2^t) + eps)}.
 * Learning rates per parameter group ({@link Param#group}) are given on each step, so a schedule can drive them.
 * The moments are float arrays in the parameters' order; {@link #save}/{@link #load} make the
 * state resumable bit for bit.
 */
public final class AdamW {
    private final List<Param> params;
    private final double beta1, beta2, eps, weightDecay;
    private final float[][] m, v;
    private long step;

    /**
     * Hyper-parameters given as floats are read as the shortest decimal that names them ({@code 0.9f} is 0.9, not
     * 0.8999999761581421), the Python value torch would have been given.
     */
    public AdamW(List<Param> params, float beta1, float beta2, float eps, float weightDecay) {
        this(params, decimal(beta1), decimal(beta2), decimal(eps), decimal(weightDecay));
    }

    private static double decimal(float f) { return Double.parseDouble(Float.toString(f)); }

    /** Hyper-parameters as Python floats (doubles); torch turns each scalar into the parameters' dtype where it uses it. */
    public AdamW(List<Param> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).size()];
            v[i] = new float[params.get(i).size()];
        }
    }

    /** torch defaults: betas (0.9, 0.999), eps 1e-8. */
    public static AdamW withDefaults(List<Param> params, float weightDecay) {
        return new AdamW(params, 0.9, 0.999, 1e-8, decimal(weightDecay));
    }

    public long stepCount() { return step; }

    /**
     * One update from the current gradients. {@code lrByGroup} maps group names to learning rates; a group it does
     * not name uses {@code defaultLr}.
     */
    public void step(double defaultLr, Map<String, Double> lrByGroup) {
        step++;
        // torch 1.13+ _single_tensor_adamw, scalars as the CPU kernels see them (Python doubles cast to float):
        //   p *= 1 - lr*wd ; m = m*b1 + (1-b1)*g ; v = v*b2 + (1-b2)*g*g
        //   denom = sqrt(v) / sqrt(1 - b2^t) + eps ; p += (-lr / (1 - b1^t)) * m / denom
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float b1 = (float) beta1, b2 = (float) beta2, omb1 = (float) (1 - beta1), omb2 = (float) (1 - beta2);
        float fbc2 = (float) bc2Sqrt, feps = (float) eps;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            double lr = lrByGroup.getOrDefault(p.group, defaultLr);
            float[] w = p.data, g = p.grad, mi = m[i], vi = v[i];
            float negStep = (float) (-(lr / bc1));
            float decayFactor = p.decay && weightDecay != 0 ? (float) (1 - lr * weightDecay) : 1f;
            for (int j = 0; j < w.length; j++) {
                float gj = g[j];
                mi[j] = mi[j] * b1 + omb1 * gj;
                vi[j] = vi[j] * b2 + omb2 * gj * gj;
                float denom = (float) Math.sqrt(vi[j]) / fbc2 + feps;
                w[j] = w[j] * decayFactor + negStep * mi[j] / denom;
            }
        }
    }

    public void save(DataOutputStream out) throws IOException {
        out.writeLong(step);
        out.writeInt(params.size());
        for (int i = 0; i < params.size(); i++) {
            out.writeUTF(params.get(i).name);
            out.writeInt(m[i].length);
            for (float f : m[i]) out.writeFloat(f);
            for (float f : v[i]) out.writeFloat(f);
        }
    }

    public void load(DataInputStream in) throws IOException {
        long s = in.readLong();
        int n = in.readInt();
        if (n != params.size()) throw new IOException("optimizer state has " + n + " parameters, the model " + params.size());
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            int len = in.readInt();
            if (!name.equals(params.get(i).name) || len != m[i].length)
                throw new IOException("optimizer state for " + name + " [" + len + "] does not match parameter " + params.get(i).name + " [" + m[i].length + "]");
            for (int j = 0; j < len; j++) m[i][j] = in.readFloat();
            for (int j = 0; j < len; j++) v[i][j] = in.readFloat();
        }
        step = s;
    }
}
