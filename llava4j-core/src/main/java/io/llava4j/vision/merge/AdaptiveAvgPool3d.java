package io.llava4j.vision.merge;

/**
 * PyTorch {@code nn.AdaptiveAvgPool3d} over (T, H, W) of channels-last features (T, H, W, C) -> (t, h, w, C).
 * Output index i of n over input size L averages input [floor(i*L/n), ceil((i+1)*L/n)) — windows may overlap or
 * differ in size when L is not a multiple of n. Used by PLLaVA after the projector.
 */
public final class AdaptiveAvgPool3d {
    private AdaptiveAvgPool3d() {}

    public static float[] pool(float[] x, int t, int h, int w, int c, int ot, int oh, int ow) {
        if (x.length != t * h * w * c) throw new IllegalArgumentException("pool3d: " + x.length + " values is not " + t + "x" + h + "x" + w + "x" + c);
        float[] y = new float[ot * oh * ow * c];
        double[] acc = new double[c];
        for (int i = 0; i < ot; i++) {
            int t0 = start(i, t, ot), t1 = end(i, t, ot);
            for (int j = 0; j < oh; j++) {
                int h0 = start(j, h, oh), h1 = end(j, h, oh);
                for (int k = 0; k < ow; k++) {
                    int w0 = start(k, w, ow), w1 = end(k, w, ow);
                    java.util.Arrays.fill(acc, 0);
                    for (int a = t0; a < t1; a++)
                        for (int b = h0; b < h1; b++)
                            for (int d = w0; d < w1; d++) {
                                int o = ((a * h + b) * w + d) * c;
                                for (int ch = 0; ch < c; ch++) acc[ch] += x[o + ch];
                            }
                    int count = (t1 - t0) * (h1 - h0) * (w1 - w0);
                    int o = ((i * oh + j) * ow + k) * c;
                    for (int ch = 0; ch < c; ch++) y[o + ch] = (float) (acc[ch] / count);
                }
            }
        }
        return y;
    }

    static int start(int i, int in, int out) { return (int) Math.floorDiv((long) i * in, out); }

    static int end(int i, int in, int out) { return (int) -Math.floorDiv(-(long) (i + 1) * in, out); }
}
