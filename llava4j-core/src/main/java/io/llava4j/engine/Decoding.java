package io.llava4j.engine;

import io.llava4j.generate.Sampler;
import io.llava4j.generate.SamplingParams;
import io.llava4j.generate.StopChecker;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tokenizer.StreamingDecoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The per-sequence half of the generation loop, one token at a time: sampling (with the repetition history), EOS
 * and stop strings, UTF-8-safe text deltas. Who runs the model is left to the caller: {@link Generator} feeds it
 * one sequence's logits, a batching server feeds many sequences' rows of one batched step, and both give the same
 * tokens for the same logits.
 */
public final class Decoding {
    private final Sampler sampler;
    private final StopChecker stop;
    private final StreamingDecoder dec;
    private final Consumer<String> onText;
    private final int maxNew;
    private final int[] history, out;
    private int hl, produced;
    private boolean finished;

    /**
     * @param promptIds the prompt's ids (media sentinels, which lie outside the vocabulary, are skipped for the penalty)
     * @param maxNew    most tokens to produce (>= 1)
     * @param onText    receives text deltas as they become final (may be null)
     */
    public Decoding(VisionLanguageModel model, int[] promptIds, SamplingParams params, int maxNew, Consumer<String> onText) {
        if (maxNew < 1) throw new IllegalArgumentException("maxNew must be >= 1, got " + maxNew);
        int vocab = model.languageModel().config().vocabSize();
        this.maxNew = maxNew;
        this.onText = onText;
        // Repetition penalty looks at the prompt ids too (HF: input_ids), media placeholders included, sentinels not.
        this.history = new int[promptIds.length + maxNew];
        for (int id : promptIds) if (id >= 0 && id < vocab) history[hl++] = id;
        this.out = new int[maxNew];
        this.sampler = new Sampler(params, vocab);
        List<Integer> eos = new ArrayList<>();
        for (int id : model.stopTokenIds()) eos.add(id);
        this.stop = StopChecker.of(eos, params);
        this.dec = model.tokenizer().streamingDecoder(true);
    }

    /**
     * Samples the next token from this sequence's logits (vocab) and emits its text.
     * @return the token to run through the model next, or -1 when the sequence has finished
     */
    public int accept(float[] logits) {
        if (finished) throw new IllegalStateException("the sequence has finished");
        int next = sampler.sample(logits, history, hl);
        out[produced++] = next;
        history[hl++] = next;
        if (stop.acceptToken(next)) return finish();
        emit(stop.append(dec.add(next)));
        if (stop.stopped() || produced == maxNew) return finish();
        return next;
    }

    private int finish() {
        finished = true;
        if (!stop.stopped() || stop.reason() == StopChecker.Reason.EOS) {
            emit(stop.append(dec.finish()));
            if (stop.reason() != StopChecker.Reason.STOP_STRING) emit(stop.flush());
        }
        return -1;
    }

    private void emit(String s) {
        if (onText != null && !s.isEmpty()) onText.accept(s);
    }

    public boolean finished() { return finished; }

    /** Tokens produced so far (the EOS id included when generation ended on one). */
    public int produced() { return produced; }

    public int[] tokenIds() { return Arrays.copyOf(out, produced); }

    /** The answer so far (special tokens skipped, cut before a stop string). */
    public String text() { return stop.text(); }

    public StopChecker.Reason stopReason() { return stop.reason(); }

    /** OpenAI's finish_reason: "stop" (EOS or a stop string) or "length". */
    public String finishReason() { return stop.reason() == StopChecker.Reason.NONE ? "length" : "stop"; }
}
