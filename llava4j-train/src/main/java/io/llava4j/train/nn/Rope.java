package io.llava4j.train.nn;

/**
 * Rotary position embedding as core's {@link io.llava4j.llm.Rope} (HF rotate_half layout: dims i and i + d/2 form a
 * pair; inv_freq_i = 1 / theta^(2i/d) in float32; angle = pos * inv_freq in float32), with its backward, the inverse
 * rotation. cos/sin tables per position are kept and grown on demand.
 */
public final class Rope {
    private final int headDim, half;
    private final float[] invFreq;
    private float[] cos = new float[0], sin = new float[0];
    private int positions;

    public Rope(int headDim, double theta) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension, got " + headDim);
        this.headDim = headDim;
        this.half = headDim / 2;
        this.invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
    }

    private synchronized void ensure(int n) {
        if (n <= positions) return;
        int cap = Math.max(n, positions * 2);
        float[] c = new float[cap * half], s = new float[cap * half];
        for (int p = 0; p < cap; p++)
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i];
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        cos = c;
        sin = s;
        positions = cap;
    }

    /** Rotates every head of rows x (n, heads*headDim) in place, row t at position t. */
    public void forward(float[] x, int n, int heads) { rotate(x, new int[] {0, n}, heads, 1f); }

    /** Backward of {@link #forward}: dx (n, heads*headDim) rotated back in place. */
    public void backward(float[] dx, int n, int heads) { rotate(dx, new int[] {0, n}, heads, -1f); }

    /** Packed sequences (rows [seg[i], seg[i+1])): positions restart at 0 at every start. */
    public void forward(float[] x, int[] seg, int heads) { rotate(x, seg, heads, 1f); }

    public void backward(float[] dx, int[] seg, int heads) { rotate(dx, seg, heads, -1f); }

    private void rotate(float[] x, int[] seg, int heads, float sign) {
        int maxT = 0;
        for (int i = 0; i + 1 < seg.length; i++) maxT = Math.max(maxT, seg[i + 1] - seg[i]);
        ensure(maxT);
        float[] c = cos, s = sin;
        int n = seg[seg.length - 1];
        io.llava4j.kernels.Parallel.forRange(n, Math.max(1, 4096 / Math.max(1, heads * headDim)), (t0, t1) -> {
            int k = 0;
            for (int t = t0; t < t1; ) {
                while (seg[k + 1] <= t) k++;
                int end = Math.min(t1, seg[k + 1]);
                rotate(x, t, end, seg[k], heads, sign, c, s);
                t = end;
            }
        });
    }

    private void rotate(float[] x, int t0, int t1, int start, int heads, float sign, float[] c, float[] s) {
        for (int t = t0; t < t1; t++) {
            int cs = (t - start) * half;
            for (int h = 0; h < heads; h++) {
                int o = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float a = x[o + i], b = x[o + i + half];
                    float ci = c[cs + i], si = sign * s[cs + i];
                    x[o + i] = a * ci - b * si;
                    x[o + i + half] = b * ci + a * si;
                }
            }
        }
    }
}
