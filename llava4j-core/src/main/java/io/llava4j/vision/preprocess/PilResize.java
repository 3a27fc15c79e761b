package io.llava4j.vision.preprocess;

import io.llava4j.media.RgbImage;

/**
 * Pillow's {@code Image.resize((w, h), resample)} for 8-bit RGB, bit for bit (libImaging/Resample.c and, for
 * NEAREST, Geometry.c ImagingScaleAffine, as in Pillow 9.x-11.x).
 *
 * <p>Convolution filters (BICUBIC, BILINEAR, BOX, HAMMING, LANCZOS) are separable: a horizontal pass over the rows
 * that the vertical pass will use, then a vertical pass. A pass is skipped when that dimension does not change.
 * When shrinking, the filter support widens by the reduction factor (antialiasing). Coefficients are computed in
 * double, normalised to sum 1, then turned into fixed point with 22 fractional bits
 * ({@code PRECISION_BITS = 32 - 8 - 2}); each output sample is {@code clip8((1 << 21) + sum(pixel * coeff))}, and
 * the intermediate image of the first pass is rounded and clipped to 8 bits like Pillow's.
 *
 * <p>BICUBIC is checked pixel-exactly against the HF/Pillow goldens (shrinking and enlarging). BILINEAR, BOX and
 * NEAREST differ only in the kernel and are checked on hand-computed cases; HAMMING and LANCZOS are ported but not
 * checked against Pillow output.
 */
public final class PilResize {

    /** Pillow resampling filters; {@link #pilCode} is the {@code Image.Resampling} value used in HF configs. */
    public enum Filter {
        NEAREST(0, 0.0),
        LANCZOS(1, 3.0),
        BILINEAR(2, 1.0),
        BICUBIC(3, 2.0),
        BOX(4, 0.5),
        HAMMING(5, 1.0);

        public final int pilCode;
        final double support;

        Filter(int pilCode, double support) {
            this.pilCode = pilCode;
            this.support = support;
        }

        /** The filter for a PIL resample code (e.g. {@code "resample": 3} in preprocessor_config.json). */
        public static Filter fromPilCode(int code) {
            for (Filter f : values()) if (f.pilCode == code) return f;
            throw new IllegalArgumentException("unknown PIL resample code " + code + " (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)");
        }

        /** Kernel value at distance x (in input pixels, already divided by the filter scale). */
        double weight(double x) {
            switch (this) {
                case BOX:
                    return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
                case BILINEAR:
                    if (x < 0.0) x = -x;
                    return x < 1.0 ? 1.0 - x : 0.0;
                case HAMMING:
                    if (x < 0.0) x = -x;
                    if (x == 0.0) return 1.0;
                    if (x >= 1.0) return 0.0;
                    x = x * Math.PI;
                    // Pillow writes 0.54f and 0.46f: float constants promoted to double.
                    return Math.sin(x) / x * ((double) 0.54f + (double) 0.46f * Math.cos(x));
                case BICUBIC: {
                    final double a = -0.5;
                    if (x < 0.0) x = -x;
                    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
                    return 0.0;
                }
                case LANCZOS:
                    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
                default:
                    throw new IllegalStateException("no kernel for " + this);
            }
        }

        private static double sinc(double x) {
            if (x == 0.0) return 1.0;
            x = x * Math.PI;
            return Math.sin(x) / x;
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {}

    /**
     * {@code src.resize((width, height), filter)} in Pillow. Returns {@code src} itself when the size is unchanged
     * (Pillow returns a copy; images are immutable here).
     */
    public static RgbImage resize(RgbImage src, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("resize target must be positive: " + width + "x" + height);
        if (width == src.width() && height == src.height()) return src;
        if (filter == Filter.NEAREST) return nearest(src, width, height);

        int inW = src.width(), inH = src.height();
        boolean needHorizontal = width != inW;
        boolean needVertical = height != inH;

        Coeffs vert = Coeffs.compute(inH, 0f, inH, height, filter);
        byte[] cur = src.data();
        int curW = inW;
        if (needHorizontal) {
            // Only the rows that the vertical pass reads: [yFirst, yLast).
            int yFirst = vert.bounds[0];
            int yLast = vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1];
            for (int i = 0; i < height; i++) vert.bounds[i * 2] -= yFirst;
            Coeffs horiz = Coeffs.compute(inW, 0f, inW, width, filter);
            cur = horizontalPass(cur, inW, yFirst, yLast - yFirst, width, horiz);
            curW = width;
        }
        if (needVertical) cur = verticalPass(cur, curW, height, vert);
        return new RgbImage(width, height, cur);
    }

    /** Filter weights for one axis: for output index i, input samples bounds[2i] .. bounds[2i]+bounds[2i+1]-1. */
    private static final class Coeffs {
        final int ksize;     // max taps per output sample
        final int[] bounds;  // (outSize, 2): first input index, tap count
        final int[] k;       // (outSize, ksize): fixed-point weights, 22 fractional bits

        private Coeffs(int ksize, int[] bounds, int[] k) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.k = k;
        }

        /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the input span [in0, in1) of inSize samples. */
        static Coeffs compute(int inSize, float in0, float in1, int outSize, Filter filter) {
            double scale = (double) (in1 - in0) / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = filter.support * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[outSize * 2];
            int[] kk = new int[outSize * ksize];
            double[] w = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = in0 + (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterscale;
                int xmin = (int) (center - support + 0.5); // C cast: truncation toward zero
                if (xmin < 0) xmin = 0;
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) xmax = inSize;
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double v = filter.weight((x + xmin - center + 0.5) * ss);
                    w[x] = v;
                    ww += v;
                }
                for (int x = 0; x < xmax; x++) {
                    double v = ww != 0.0 ? w[x] / ww : w[x];
                    kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
            return new Coeffs(ksize, bounds, kk);
        }
    }

    /** (rows, inW, 3) starting at row yOffset -> (rows, outW, 3). */
    private static byte[] horizontalPass(byte[] in, int inW, int yOffset, int rows, int outW, Coeffs c) {
        byte[] out = new byte[rows * outW * 3];
        int o = 0;
        for (int yy = 0; yy < rows; yy++) {
            int rowBase = (yy + yOffset) * inW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[xx * 2], n = c.bounds[xx * 2 + 1], kOff = xx * c.ksize;
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                int p = rowBase + xmin * 3;
                for (int x = 0; x < n; x++, p += 3) {
                    int kv = c.k[kOff + x];
                    s0 += (in[p] & 0xff) * kv;
                    s1 += (in[p + 1] & 0xff) * kv;
                    s2 += (in[p + 2] & 0xff) * kv;
                }
                out[o++] = clip8(s0);
                out[o++] = clip8(s1);
                out[o++] = clip8(s2);
            }
        }
        return out;
    }

    /** (any rows, w, 3) -> (outH, w, 3); the bounds index rows of {@code in}. */
    private static byte[] verticalPass(byte[] in, int w, int outH, Coeffs c) {
        byte[] out = new byte[outH * w * 3];
        int stride = w * 3;
        int o = 0;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[yy * 2], n = c.bounds[yy * 2 + 1], kOff = yy * c.ksize;
            for (int xx = 0; xx < w; xx++) {
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                int p = ymin * stride + xx * 3;
                for (int y = 0; y < n; y++, p += stride) {
                    int kv = c.k[kOff + y];
                    s0 += (in[p] & 0xff) * kv;
                    s1 += (in[p + 1] & 0xff) * kv;
                    s2 += (in[p + 2] & 0xff) * kv;
                }
                out[o++] = clip8(s0);
                out[o++] = clip8(s1);
                out[o++] = clip8(s2);
            }
        }
        return out;
    }

    /** Pillow's clip8: drop the fraction bits, clamp to 0..255. */
    private static byte clip8(int in) {
        int v = in >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * NEAREST: Pillow's ImagingScaleAffine. Source position of output x is floor((x + 0.5) * inW / outW), computed by
     * accumulating the step in double like Pillow (so rounding matches at exact ties).
     */
    private static RgbImage nearest(RgbImage src, int width, int height) {
        int inW = src.width(), inH = src.height();
        double a0 = (double) (float) inW / width;
        double a4 = (double) (float) inH / height;
        int[] xin = new int[width];
        double xo = a0 * 0.5;
        for (int x = 0; x < width; x++) {
            xin[x] = coord(xo);
            xo += a0;
        }
        byte[] in = src.data();
        byte[] out = new byte[width * height * 3]; // pixels mapping outside the source stay 0, as with fill=1
        double yo = a4 * 0.5;
        for (int y = 0; y < height; y++) {
            int yi = coord(yo);
            yo += a4;
            if (yi < 0 || yi >= inH) continue;
            for (int x = 0; x < width; x++) {
                if (xin[x] < 0 || xin[x] >= inW) continue;
                System.arraycopy(in, (yi * inW + xin[x]) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }

    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }
}
