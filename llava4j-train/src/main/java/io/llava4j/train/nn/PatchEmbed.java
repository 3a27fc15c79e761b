package io.llava4j.train.nn;

/**
 * A ViT patch embedding: conv2d with kernel = stride = patch and no padding, as an im2col followed by a matmul with
 * the conv weight viewed as [hidden, channels*patch*patch] (the same layout core's tower uses).
 */
public final class PatchEmbed {
    private PatchEmbed() {}

    /** pixels (C, S, S) -> patches (g*g, C*p*p), row (py*g+px) = [ch][ky][kx]. */
    public static void im2col(float[] pixels, int c, int s, int p, float[] patches) { im2col(pixels, c, s, p, patches, 0); }

    /** The same, written at patches[off..]. */
    public static void im2col(float[] pixels, int c, int s, int p, float[] patches, int off) {
        int g = s / p, k = c * p * p;
        if (pixels.length < c * s * s) throw new IllegalArgumentException("pixel tensor has " + pixels.length + " values, expected " + c + "x" + s + "x" + s);
        for (int py = 0; py < g; py++)
            for (int px = 0; px < g; px++) {
                int row = off + (py * g + px) * k;
                for (int ch = 0; ch < c; ch++)
                    for (int ky = 0; ky < p; ky++)
                        System.arraycopy(pixels, ch * s * s + (py * p + ky) * s + px * p, patches, row + (ch * p + ky) * p, p);
            }
    }
}
