package io.llava4j.media;

import java.util.Arrays;

/**
 * An 8-bit RGB image: {@code height x width x 3} bytes, row-major, channels interleaved (R, G, B), i.e. the
 * layout of {@code numpy.array(pil_image.convert("RGB"))}. Pixel (x, y) channel c is at {@code (y*width + x)*3 + c}.
 *
 * <p>Treated as immutable: {@link #data()} returns the backing array without copying, and nothing in llava4j
 * writes into an image after constructing it.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] data; // (height, width, 3)

    public RgbImage(int width, int height, byte[] data) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        if ((long) width * height * 3 != data.length) {
            throw new IllegalArgumentException("RGB data has " + data.length + " bytes, expected " + width + "x" + height + "x3");
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** A {@code width x height} image filled with one colour (components 0..255). */
    public static RgbImage filled(int width, int height, int r, int g, int b) {
        byte[] d = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        for (int i = 0; i < d.length; i += 3) {
            d[i] = (byte) r;
            d[i + 1] = (byte) g;
            d[i + 2] = (byte) b;
        }
        return new RgbImage(width, height, d);
    }

    public int width() { return width; }

    public int height() { return height; }

    /** The backing {@code (height, width, 3)} byte array (not a copy; do not modify). */
    public byte[] data() { return data; }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), as 0..255. */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * 3 + c] & 0xff;
    }

    /** Pixel (x, y) as 0xRRGGBB. */
    public int rgb(int x, int y) {
        int i = (y * width + x) * 3;
        return (data[i] & 0xff) << 16 | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() { return 31 * (31 * width + height) + Arrays.hashCode(data); }

    @Override
    public String toString() { return "RgbImage[" + width + "x" + height + "]"; }
}
