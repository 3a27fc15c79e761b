package io.llava4j.vision.encoder;

/** A ViT image encoder as the families use it: pixels in, one hidden state (CLS first, then patches row-major) out. */
public interface VisionTower {
    /** Width of the hidden states. */
    int hiddenSize();

    /** Transformer blocks (hidden_states has numLayers + 1 entries). */
    int numLayers();

    /** Patch rows per image at the input size the tower is run at. */
    int numPatches();

    /** Whether hidden states start with a CLS row. */
    boolean hasCls();

    /** Input side length in pixels. */
    int inputSize();

    /**
     * hidden_states[layer] for one image as ((cls?) + patches, hidden).
     * @param pixels (3, S, S) normalised
     * @param layer  0 = embeddings, negative counts from the end (-1 = last block)
     */
    float[] hiddenState(float[] pixels, int layer);
}
