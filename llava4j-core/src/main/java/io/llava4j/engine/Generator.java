package io.llava4j.engine;

import io.llava4j.generate.Sampler;
import io.llava4j.generate.SamplingParams;
import io.llava4j.generate.StopChecker;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tokenizer.StreamingDecoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The generation loop, the same for every family: one batched prefill of the spliced prompt, then one
 * position at a time with the KV cache; sampling, EOS / stop strings, UTF-8-safe streaming of text deltas.
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

        // Repetition penalty looks at the prompt ids too (HF: input_ids), media placeholders included, sentinels not.
        int vocab = lm.config().vocabSize();
        int[] history = new int[n + maxNew];
        int hl = 0;
        for (int id : prompt.inputIds()) if (id >= 0 && id < vocab) history[hl++] = id;

        Sampler sampler = new Sampler(params, vocab);
        List<Integer> eos = new ArrayList<>();
        for (int id : model.stopTokenIds()) eos.add(id);
        StopChecker stop = StopChecker.of(eos, params);
        StreamingDecoder dec = model.tokenizer().streamingDecoder(true);
        int[] out = new int[maxNew];
        int produced = 0;
        float[] x = new float[lm.config().hiddenSize()];
        while (produced < maxNew) {
            int next = sampler.sample(logits, history, hl);
            out[produced++] = next;
            history[hl++] = next;
            if (stop.acceptToken(next)) break;
            emit(onText, stop.append(dec.add(next)));
            if (stop.stopped() || produced == maxNew) break;
            lm.embed(next, x, 0);
            logits = lm.forward(x, 1, cache, false);
        }
        if (!stop.stopped() || stop.reason() == StopChecker.Reason.EOS) {
            emit(onText, stop.append(dec.finish()));
            if (stop.reason() != StopChecker.Reason.STOP_STRING) emit(onText, stop.flush());
        }
        long t2 = System.nanoTime();
        return new Result(n, Arrays.copyOf(out, produced), stop.text(), stop.reason(), first, t1 - t0, t2 - t1);
    }

    private static void emit(Consumer<String> onText, String s) {
        if (onText != null && !s.isEmpty()) onText.accept(s);
    }
}
