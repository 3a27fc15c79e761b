package io.llava4j.server.llava;

import io.llava4j.engine.Generator;
import io.llava4j.generate.SamplingParams;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Where a worker's generations run: the one call site between the LLaVA protocol and the engine, so a batching
 * scheduler can take the place of the serial engine without touching the protocol code. Called on the request's
 * own thread; {@code onText} gets each new piece of answer text and may throw to cancel.
 */
@FunctionalInterface
public interface GenerationBackend {
    Generator.Result generate(VisionLanguageModel model, MultimodalPrompt prompt, SamplingParams params, Consumer<String> onText);

    /** Main's engine path ({@link Generator#generate}), one generation at a time, first come first served. */
    static GenerationBackend serial() {
        ReentrantLock lock = new ReentrantLock(true);
        return (model, prompt, params, onText) -> {
            lock.lock();
            try {
                return Generator.generate(model, prompt, params, onText);
            } finally {
                lock.unlock();
            }
        };
    }

    /**
     * Continuous batching ({@link io.llava4j.server.batch.BatchScheduler}): concurrent requests to this worker are
     * decoded step by step together, up to {@code maxBatch} at once. The scheduler is made for the model on first use.
     */
    static GenerationBackend batching(int maxBatch, int queueDepth) {
        Object lock = new Object();
        io.llava4j.server.batch.BatchScheduler[] scheduler = new io.llava4j.server.batch.BatchScheduler[1];
        return (model, prompt, params, onText) -> {
            io.llava4j.server.batch.BatchScheduler s;
            synchronized (lock) {
                if (scheduler[0] == null) scheduler[0] = new io.llava4j.server.batch.BatchScheduler(model, maxBatch, queueDepth);
                s = scheduler[0];
            }
            return io.llava4j.server.batch.BlockingGeneration.run(s, prompt, params, onText);
        };
    }
}
