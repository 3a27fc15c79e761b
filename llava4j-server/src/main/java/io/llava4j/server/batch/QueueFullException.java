package io.llava4j.server.batch;

/** The waiting queue is full: the caller should answer 503 (or 429) with a Retry-After of {@link #retryAfterSeconds}. */
public final class QueueFullException extends RuntimeException {
    private final int retryAfterSeconds;

    public QueueFullException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() { return retryAfterSeconds; }
}
