package io.llava4j.train.llava;

import java.util.List;

/** Image pixels to the selected vision features the projector takes, with a backward when trainable. */
interface VisionPath {
    /** Feature rows per image. */
    int rows();

    /** Feature width (mm_hidden_size). */
    int dim();

    /**
     * Features of the images, packed: (images * rows, dim), image i at row i * rows. {@code keys} name the images for
     * caching (entries may be null). The activations are kept for {@link #backward}.
     */
    float[] forward(List<float[]> pixels, List<String> keys, boolean training);

    /** Backward from dL/dfeatures of the last forward (packed the same way); only for trainable towers. */
    void backward(float[] dfeatures);
}
