package io.llava4j.vision.preprocess;

/**
 * One preprocessed image for a vision tower: {@code data} is (3, height, width) float32, channel-first (CHW),
 * i.e. one row of HF's {@code pixel_values} without the batch dimension.
 */
public record PixelValues(float[] data, int height, int width) {
    public PixelValues {
        if (data.length != 3 * height * width) {
            throw new IllegalArgumentException("pixel data has " + data.length + " floats, expected 3x" + height + "x" + width);
        }
    }

    /** Value of channel c at (y, x). */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }
}
