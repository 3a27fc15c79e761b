package io.llava4j.bench;

import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What continuous batching buys per decode step: generated tokens/s of {@link DecoderLm#decodeBatch} at batch sizes
 * 1, 2, 4, 8 (each sequence with its own cache, about 40 positions in). With weights larger than the caches, a step
 * over b sequences reads every weight once instead of b times, so tokens/s should grow with b until compute bounds it.
 *
 * <p>Usage: {@code DecodeBatchBench MODEL_DIR [steps]}, or {@code DecodeBatchBench --random OUT_DIR TEMPLATE_DIR [steps]}
 * to first write a mid-size random LLaVA-1.5 checkpoint (hidden 1024, 8 layers, F16, about 330 MB) from a template
 * folder such as the tiny fixture.
 */
public final class DecodeBatchBench {
    private DecodeBatchBench() {}

    /** A mid-size decoder (a tenth of 7B's width, a quarter of its depth) with a token-sized vision tower. */
    static final RandomLlavaCheckpoint.Shape MID = new RandomLlavaCheckpoint.Shape(1024, 8, 16, 16, 2816, 32064, 64, 1, 2, 128, 56, 14);

    public static void main(String[] args) throws Exception {
        Path dir;
        int argi;
        if (args.length >= 3 && args[0].equals("--random")) {
            dir = Path.of(args[1]);
            if (!Files.exists(dir.resolve("model.safetensors"))) RandomLlavaCheckpoint.write(dir, MID, Path.of(args[2]), 1, null);
            argi = 3;
        } else {
            dir = Path.of(args[0]);
            argi = 1;
        }
        int steps = args.length > argi ? Integer.parseInt(args[argi]) : 32;
        try (VisionLanguageModel model = ModelRegistry.load(dir, LoadOptions.defaults())) {
            DecoderLm lm = model.languageModel();
            MultimodalPrompt p = model.prepare("USER: Write a long story about a lighthouse keeper and a storm at sea. ASSISTANT:", java.util.List.of(), java.util.List.of());
            double base = 0;
            for (int round = 0; round < 2; round++) { // the first round warms the JIT
                for (int b : new int[] {1, 2, 4, 8}) {
                    KvCache[] caches = new KvCache[b];
                    for (int i = 0; i < b; i++) {
                        caches[i] = lm.newCache(p.length() + steps);
                        lm.forward(p.embeddings(lm), p.length(), caches[i], false);
                    }
                    int h = lm.config().hiddenSize();
                    long t0 = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        float[] x = new float[b * h];
                        for (int i = 0; i < b; i++) lm.embed(100 + s + i, x, i);
                        lm.decodeBatch(x, caches);
                    }
                    double secs = (System.nanoTime() - t0) / 1e9, tps = b * steps / secs;
                    if (b == 1) base = tps;
                    if (round == 1) {
                        System.out.printf("[bench] %s batch %d: %.1f tokens/s (%.1f ms per step), %.2fx batch 1%n",
                                dir.getFileName(), b, tps, 1e3 * secs / steps, tps / base);
                    }
                }
            }
        }
    }
}
