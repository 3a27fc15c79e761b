package io.llava4j.generate;

import java.util.List;

/**
 * How to pick the next token. {@code temperature == 0} means greedy (argmax); otherwise the logits go through
 * Hugging Face's processors in HF's order: repetition penalty, temperature, top-k, top-p, then a seeded draw.
 *
 * <p>Defaults ({@link #defaults()}) follow {@code transformers.GenerationConfig}: greedy, {@code top_k=50},
 * {@code top_p=1.0}, {@code repetition_penalty=1.0}; so setting only a temperature samples exactly as
 * {@code generate(do_sample=True, temperature=t)} would filter (LLaVA's {@code run_llava.py}/{@code cli.py} rely on
 * that {@code top_k=50}). {@code maxNewTokens} defaults to 512 (LLaVA's CLI).
 *
 * @param temperature       0 = greedy; otherwise logits are divided by it. Finite, {@code >= 0}.
 * @param topP              nucleus mass in {@code (0, 1]}; 1 = off
 * @param topK              keep the k highest logits (ties at the k-th value kept, as HF); 0 = off. {@code >= 0}
 * @param repetitionPenalty HF's CTRL penalty on every token id seen in the history (prompt included); 1 = off. Finite, {@code > 0}
 * @param maxNewTokens      at most this many generated tokens, {@code >= 1}
 * @param seed              RNG seed for sampling; {@code null} = a fresh random seed per {@link Sampler}
 * @param stopStrings       generation stops when the decoded text contains one of these (non-empty strings)
 */
public record SamplingParams(double temperature, double topP, int topK, double repetitionPenalty, int maxNewTokens,
                             Long seed, List<String> stopStrings) {

    public static final int DEFAULT_TOP_K = 50;
    public static final int DEFAULT_MAX_NEW_TOKENS = 512;

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetitionPenalty must be finite and > 0, got " + repetitionPenalty);
        }
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        if (stopStrings == null) throw new IllegalArgumentException("stopStrings must not be null (use List.of())");
        for (String s : stopStrings) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stopStrings must not contain null or empty strings: " + stopStrings);
            }
        }
        stopStrings = List.copyOf(stopStrings);
    }

    /** Greedy, HF's sampling defaults for the rest (top_k 50, top_p 1, no penalty), 512 new tokens, no stops. */
    public static SamplingParams defaults() {
        return new SamplingParams(0.0, 1.0, DEFAULT_TOP_K, 1.0, DEFAULT_MAX_NEW_TOKENS, null, List.of());
    }

    /** Same as {@link #defaults()}: greedy decoding. */
    public static SamplingParams greedy() {
        return defaults();
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(t, topP, topK, repetitionPenalty, maxNewTokens, seed, stopStrings);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(temperature, p, topK, repetitionPenalty, maxNewTokens, seed, stopStrings);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, topP, k, repetitionPenalty, maxNewTokens, seed, stopStrings);
    }

    public SamplingParams withRepetitionPenalty(double r) {
        return new SamplingParams(temperature, topP, topK, r, maxNewTokens, seed, stopStrings);
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(temperature, topP, topK, repetitionPenalty, n, seed, stopStrings);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(temperature, topP, topK, repetitionPenalty, maxNewTokens, s, stopStrings);
    }

    public SamplingParams withStopStrings(List<String> stops) {
        return new SamplingParams(temperature, topP, topK, repetitionPenalty, maxNewTokens, seed, stops);
    }
}
