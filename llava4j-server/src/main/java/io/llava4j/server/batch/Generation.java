package io.llava4j.server.batch;

import io.llava4j.generate.StopChecker;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One submitted request as its front end sees it: events in order (Started or Failed; then Text*, then Done or
 * Failed), read with {@link #next}; {@link #cancel} when the client has gone. The engine thread only appends to the
 * event queue, so slow or dead clients never hold up the batch.
 */
public final class Generation {

    /** What the front end receives. */
    public sealed interface Event {
        /** Prefill done; the request is in the batch. */
        record Started(int promptTokens) implements Event {}
        /** Text that became final (UTF-8-safe, stop strings held back). */
        record Text(String delta) implements Event {}
        /**
         * @param tokenIds    generated ids (the EOS id included when generation ended on one)
         * @param stopReason  NONE when the token limit ended it
         * @param ttftNanos   from submission to the first token (queue wait and prefill included)
         * @param decodeNanos from the first token to the last
         */
        record Done(int promptTokens, int[] tokenIds, String text, StopChecker.Reason stopReason, long ttftNanos, long decodeNanos) implements Event {
            /** OpenAI's finish_reason: "stop" (EOS or a stop string) or "length". */
            public String finishReason() { return stopReason == StopChecker.Reason.NONE ? "length" : "stop"; }
        }
        /** The request failed or was refused after submission. */
        record Failed(RuntimeException error) implements Event {}
    }

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final long submittedNanos = System.nanoTime();
    private volatile boolean cancelled;
    private Runnable onCancel = () -> {};

    Generation() {}

    void onCancel(Runnable r) { onCancel = r; }

    void emit(Event e) { events.add(e); }

    /** The next event, or null when none came within the timeout. */
    public Event next(long timeout, TimeUnit unit) throws InterruptedException { return events.poll(timeout, unit); }

    /** Drops the request, waiting or running; its slot is freed at the next step. Idempotent. */
    public void cancel() {
        if (cancelled) return;
        cancelled = true;
        onCancel.run();
    }

    public boolean cancelled() { return cancelled; }
}
