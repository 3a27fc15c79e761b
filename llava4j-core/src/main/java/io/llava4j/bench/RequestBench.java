package io.llava4j.bench;

import io.llava4j.engine.TopK;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Times one multimodal request, phase by phase: encode (tokenize + preprocess + vision tower + projector + splice),
 * prefill (the whole prompt through the decoder in one pass), decode ({@code newTokens} greedy steps with the KV cache,
 * EOS ignored so every run does the same work). Warm-up runs (JIT) are dropped. The model's feature cache is turned off
 * so every run runs the vision tower.
 */
public final class RequestBench {
    private RequestBench() {}

    /** One measured run. {@code positions}: prompt length after splicing (text tokens + media rows). */
    public record Run(double encodeMs, double prefillMs, double decodeMs, int positions, int newTokens) {
        public double prefillTokS() { return positions / (prefillMs / 1000); }
        public double decodeTokS() { return newTokens / (decodeMs / 1000); }
        /** Time to first token: encode + prefill (the first token is the argmax of the prefill's last logits). */
        public double ttftMs() { return encodeMs + prefillMs; }
    }

    public static List<Run> run(VisionLanguageModel m, String prompt, List<RgbImage> images, List<List<RgbImage>> videos,
                                int newTokens, int warmup, int runs) {
        if (newTokens < 1 || runs < 1 || warmup < 0) throw new IllegalArgumentException("need new tokens >= 1, runs >= 1, warm-up >= 0");
        m.featureCache().setBudget(0); // a cache hit would hide the tower's time
        DecoderLm lm = m.languageModel();
        List<Run> out = new ArrayList<>();
        for (int r = 0; r < warmup + runs; r++) {
            long a = System.nanoTime();
            MultimodalPrompt p = m.prepare(prompt, images, videos);
            float[] x0 = p.embeddings(lm);
            long b = System.nanoTime();
            KvCache cache = lm.newCache(p.length() + newTokens);
            float[] logits = lm.forward(x0, p.length(), cache, false);
            long c = System.nanoTime();
            float[] x = new float[lm.config().hiddenSize()];
            for (int s = 0; s < newTokens; s++) {
                lm.embed(TopK.of(logits, 1)[0], x, 0);
                logits = lm.forward(x, 1, cache, false);
            }
            long d = System.nanoTime();
            if (r >= warmup) out.add(new Run((b - a) / 1e6, (c - b) / 1e6, (d - c) / 1e6, p.length(), newTokens));
        }
        return out;
    }

    /** The median of one figure over the runs (the upper middle one for an even count). */
    public static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    /** Medians of every figure, as one run. */
    public static Run medians(List<Run> runs) {
        return new Run(median(runs, Run::encodeMs), median(runs, Run::prefillMs), median(runs, Run::decodeMs),
                runs.getFirst().positions(), runs.getFirst().newTokens());
    }
}
