package io.llava4j.train.loop;

import io.llava4j.train.Param;

import java.util.List;

/**
 * {@code torch.nn.utils.clip_grad_norm_(params, max_norm)} with norm type 2, in float32 as torch computes it: the
 * norm of each gradient, the norm of those norms, {@code coef = max_norm / (total + 1e-6)} clamped to at most 1, and
 * every gradient multiplied by it (also when it is 1, which changes nothing). Non-finite norms are not an error
 * (torch's default {@code error_if_nonfinite=False}).
 */
public final class GradClip {
    private GradClip() {}

    /** The total gradient norm before clipping; clips only when {@code maxNorm > 0} (HF Trainer's rule). */
    public static double clipByGlobalNorm(List<Param> params, double maxNorm) {
        double sumSquares = 0;
        for (Param p : params) {
            double s = 0;
            for (float g : p.grad) s += (double) g * g;
            float norm = (float) Math.sqrt(s);
            sumSquares += (double) norm * norm;
        }
        float total = (float) Math.sqrt(sumSquares);
        if (maxNorm > 0) {
            float coef = (float) maxNorm / (total + 1e-6f);
            coef = Math.min(coef, 1f); // torch.clamp(max=1.0); a NaN stays NaN
            for (Param p : params) {
                float[] g = p.grad;
                for (int i = 0; i < g.length; i++) g[i] *= coef;
            }
        }
        return total;
    }
}
