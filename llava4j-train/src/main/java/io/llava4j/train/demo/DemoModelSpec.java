package io.llava4j.train.demo;

import io.llava4j.bench.RandomLlavaCheckpoint;

/**
 * Shapes of the bundled demo model: a small CLIP ViT (trained from scratch) and a small LLaMA, in the HF
 * {@code llava} layout. Defaults: 64 px images in 8 px patches (64 image tokens), ViT 128 wide x 4 layers,
 * LLaMA 256 wide x 4 layers; about 3.6 M parameters with the demo tokenizer's 589 ids.
 */
public record DemoModelSpec(int imageSize, int patch, int visionHidden, int visionLayers, int visionHeads, int visionFfn,
                            int hidden, int layers, int heads, int ffn, int maxPositions) {

    public static DemoModelSpec defaults() {
        return new DemoModelSpec(64, 8, 128, 4, 4, 512, 256, 4, 8, 512, 512);
    }

    public DemoModelSpec {
        if (imageSize % patch != 0) throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of the patch " + patch);
        if (visionHidden % visionHeads != 0 || hidden % heads != 0) throw new IllegalArgumentException("hidden sizes must be multiples of the head counts");
    }

    /** Image tokens per image (patches; the CLS row is dropped by the "default" feature strategy). */
    public int imageTokens() { return (imageSize / patch) * (imageSize / patch); }

    /** As core's checkpoint writer names and shapes them. */
    public RandomLlavaCheckpoint.Shape shape(int vocab) {
        return new RandomLlavaCheckpoint.Shape(hidden, layers, heads, heads, ffn, vocab,
                visionHidden, visionLayers, visionHeads, visionFfn, imageSize, patch);
    }

    public long parameters(int vocab) {
        long n = 0;
        for (long[] s : RandomLlavaCheckpoint.tensorShapes(shape(vocab)).values()) {
            long c = 1;
            for (long d : s) c *= d;
            n += c;
        }
        return n;
    }

    /**
     * Training FLOPs (forward + backward = 3 x forward) of one sample with {@code textTokens} text tokens: matmuls
     * 2 x weights x rows for the tower (patches + CLS), projector and LLM (image + text tokens, LM head included), plus
     * attention scores and weighted sums (4 x rows^2 x width per layer). The post_layernorm and the tower's last layer
     * are not used by layer -2 and not counted.
     */
    public double trainingFlopsPerSample(int textTokens, int vocab) {
        double vRows = imageTokens() + 1, lRows = imageTokens() + textTokens;
        double vLayer = 4.0 * visionHidden * visionHidden + 2.0 * visionHidden * visionFfn;
        double lLayer = 4.0 * hidden * hidden + 3.0 * hidden * ffn;
        double usedVisionLayers = visionLayers - 1;
        double fwd = 2 * vRows * (usedVisionLayers * vLayer + 3.0 * patch * patch * visionHidden)
                + 4 * usedVisionLayers * vRows * vRows * visionHidden
                + 2 * imageTokens() * ((double) visionHidden * hidden + (double) hidden * hidden)
                + 2 * lRows * (layers * lLayer + (double) hidden * vocab)
                + 4 * layers * lRows * lRows * hidden;
        return 3 * fwd;
    }
}
