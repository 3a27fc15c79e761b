package io.llava4j.vision.merge;

/**
 * PyTorch {@code F.interpolate(mode='bilinear', align_corners=False)} to a given size, on a channels-last grid
 * (h, w, c): source coordinate {@code max(0, (dst + 0.5) * in / out - 0.5)}, right/bottom neighbours clamped.
 * Used by LLaVA-OneVision (anyres_max_N downsampling of image features, 2x2 pooling of video frames).
 */
public final class BilinearResize {
    private BilinearResize() {}

    public static float[] resize(float[] x, int h, int w, int c, int oh, int ow) {
        float[] y = new float[oh * ow * c];
        double sh = (double) h / oh, sw = (double) w / ow;
        for (int oy = 0; oy < oh; oy++) {
            double fy = Math.max(0, (oy + 0.5) * sh - 0.5);
            int y0 = Math.min((int) fy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            float ly = (float) (fy - y0), hy = 1f - ly;
            for (int ox = 0; ox < ow; ox++) {
                double fx = Math.max(0, (ox + 0.5) * sw - 0.5);
                int x0 = Math.min((int) fx, w - 1), x1 = Math.min(x0 + 1, w - 1);
                float lx = (float) (fx - x0), hx = 1f - lx;
                int o = (oy * ow + ox) * c;
                int a = (y0 * w + x0) * c, b = (y0 * w + x1) * c, d = (y1 * w + x0) * c, e = (y1 * w + x1) * c;
                for (int ch = 0; ch < c; ch++) {
                    y[o + ch] = hy * (hx * x[a + ch] + lx * x[b + ch]) + ly * (hx * x[d + ch] + lx * x[e + ch]);
                }
            }
        }
        return y;
    }
}
