package io.llava4j.server.batch;

import io.llava4j.engine.Generator;
import io.llava4j.generate.SamplingParams;
import io.llava4j.mm.MultimodalPrompt;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link GenerationService} used the way {@link Generator#generate} is: on the caller's thread, text pushed to a
 * callback, the result returned. For front ends written against the blocking call (the LLaVA worker's
 * {@code GenerationBackend}): {@code (model, prompt, params, onText) -> BlockingGeneration.run(scheduler, prompt, params, onText)}.
 */
public final class BlockingGeneration {
    private BlockingGeneration() {}

    /**
     * Submits, relays text deltas to {@code onText} and waits for the end. If {@code onText} throws (the client has
     * gone), the request is cancelled and the exception rethrown; so is a failure of the request.
     * The result has no first-position logits (null); its timings are time to first token and decode time.
     * @throws QueueFullException when the queue is full
     */
    public static Generator.Result run(GenerationService service, MultimodalPrompt prompt, SamplingParams params, Consumer<String> onText) {
        Generation g = service.submit(prompt, params);
        try {
            while (true) {
                Generation.Event e = g.next(1, TimeUnit.SECONDS);
                if (e instanceof Generation.Event.Text t && onText != null) onText.accept(t.delta());
                else if (e instanceof Generation.Event.Failed f) throw f.error();
                else if (e instanceof Generation.Event.Done d) {
                    return new Generator.Result(d.promptTokens(), d.tokenIds(), d.text(), d.stopReason(), null, d.ttftNanos(), d.decodeNanos());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the generation", e);
        } finally {
            g.cancel(); // no-op once finished; frees the slot when the caller gave up
        }
    }
}
