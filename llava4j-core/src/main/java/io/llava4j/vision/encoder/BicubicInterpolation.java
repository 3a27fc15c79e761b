package io.llava4j.vision.encoder;

/**
 * PyTorch {@code F.interpolate(mode='bicubic', align_corners=False)} on a (C, H, W) float grid: cubic convolution
 * with A = -0.75, source coordinate (dst + 0.5) * in/out - 0.5, border taps clamped. Used to resize learned
 * position-embedding grids to another input size.
 */
public final class BicubicInterpolation {
    private static final double A = -0.75;

    private BicubicInterpolation() {}

    /** grid (h, w, c) row-major -> (oh, ow, c), channels last (the layout of position embeddings). */
    public static float[] resizeChannelsLast(float[] grid, int h, int w, int c, int oh, int ow) {
        float[] out = new float[oh * ow * c];
        double sy = (double) h / oh, sx = (double) w / ow;
        for (int y = 0; y < oh; y++) {
            double fy = (y + 0.5) * sy - 0.5;
            int iy = (int) Math.floor(fy);
            double[] wy = weights(fy - iy);
            for (int x = 0; x < ow; x++) {
                double fx = (x + 0.5) * sx - 0.5;
                int ix = (int) Math.floor(fx);
                double[] wx = weights(fx - ix);
                for (int ch = 0; ch < c; ch++) {
                    double acc = 0;
                    for (int m = 0; m < 4; m++) {
                        int yy = clamp(iy - 1 + m, h);
                        double row = 0;
                        for (int n = 0; n < 4; n++) row += wx[n] * grid[(yy * w + clamp(ix - 1 + n, w)) * c + ch];
                        acc += wy[m] * row;
                    }
                    out[(y * ow + x) * c + ch] = (float) acc;
                }
            }
        }
        return out;
    }

    private static int clamp(int i, int n) { return Math.max(0, Math.min(n - 1, i)); }

    /** The four cubic-convolution weights for fractional offset t in [0, 1). */
    private static double[] weights(double t) {
        return new double[] {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
    }

    private static double cubic1(double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; }

    private static double cubic2(double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }
}
