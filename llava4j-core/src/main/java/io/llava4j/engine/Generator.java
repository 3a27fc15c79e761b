package io.llava4j.engine;

import io.llava4j.generate.SamplingParams;
import io.llava4j.generate.StopChecker;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.util.function.Consumer;

/**
 * The generation loop, the same for every family: one batched prefill of the spliced prompt, then one
 * position at a time with the KV cache; sampling, EOS / stop strings and text deltas are {@link Decoding}'s.
 */
public final class Generator {
    private Generator() {}

    /**
     * @param tokenIds    generated ids, including the EOS id when generation ended on one (as HF generate)
     * @param text        the answer text (special tokens skipped, cut before a stop string)
     * @param firstLogits logits of the last prompt position (vocab)
     */
    public record Result(int promptTokens, int[] tokenIds, String text, StopChecker.Reason stopReason,
                         float[] firstLogits, long prefillNanos, long decodeNanos) {
        public double decodeTokensPerSecond() {
            int steps = Math.max(0, tokenIds.length - 1);
            return decodeNanos == 0 ? 0 : steps / (decodeNanos / 1e9);
        }
    }

    public static Result generate(VisionLanguageModel model, MultimodalPrompt prompt, SamplingParams params,
                                  Consumer<String> onText) {
        DecoderLm lm = model.languageModel();
        int n = prompt.length();
        int maxPos = lm.config().maxPositions();
        if (n >= maxPos) throw new IllegalArgumentException("the prompt has " + n + " positions, the model's limit is " + maxPos);
        int maxNew = Math.min(params.maxNewTokens(), maxPos - n);
        KvCache cache = lm.newCache(n + maxNew);
        long t0 = System.nanoTime();
        float[] logits = lm.forward(prompt.embeddings(lm), n, cache, false);
        long t1 = System.nanoTime();
        float[] first = logits.clone();

        Decoding seq = new Decoding(model, prompt.inputIds(), params, maxNew, onText);
        float[] x = new float[lm.config().hiddenSize()];
        for (int next; (next = seq.accept(logits)) >= 0; ) {
            lm.embed(next, x, 0);
            logits = lm.forward(x, 1, cache, false);
        }
        long t2 = System.nanoTime();
        return new Result(n, seq.tokenIds(), seq.text(), seq.stopReason(), first, t1 - t0, t2 - t1);
    }
}
