package io.llava4j.train.llava;

/** Image pixels to the selected vision features (rows, dim) the projector takes, with a backward when trainable. */
interface VisionPath {
    /** Feature rows per image. */
    int rows();

    /** Feature width (mm_hidden_size). */
    int dim();

    /**
     * Features of one image. {@code slot} numbers the images of the current sequence (their activations are kept per
     * slot for {@link #backward}); {@code key} names the image for caching (may be null).
     */
    float[] forward(float[] pixels, String key, int slot, boolean training);

    /** Backward from dL/dfeatures of the image in {@code slot}; only for trainable towers. */
    void backward(float[] dfeatures, int slot);
}
