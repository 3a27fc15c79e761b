package io.llava4j.server.batch;

import io.llava4j.generate.SamplingParams;
import io.llava4j.mm.MultimodalPrompt;

/**
 * What a front end (the OpenAI endpoint, a LLaVA worker) needs from generation: queue a prepared prompt, read its
 * events, cancel it. Implementations decide how requests share the model ({@link BatchScheduler}: continuous batching).
 */
public interface GenerationService extends AutoCloseable {

    /**
     * Queues a prompt (media already encoded and spliced) for generation.
     * @throws QueueFullException when the waiting queue is full (answer 503 with Retry-After)
     * @throws IllegalStateException when the service is closed
     */
    Generation submit(MultimodalPrompt prompt, SamplingParams params);

    /** Fails fast, before any media work, when a request submitted now would be refused. */
    void checkRoom();

    /** Requests waiting for a batch slot. */
    int waiting();

    /** Requests being decoded. */
    int running();

    @Override
    void close();
}
