package io.llava4j.server;

/** An error answered in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with an HTTP status. */
public class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String code;
    /** Seconds for a Retry-After header (0 = none): set when the server is busy. */
    final int retryAfterSeconds;

    public ApiException(int status, String type, String code, String message) {
        this(status, type, code, message, 0);
    }

    public ApiException(int status, String type, String code, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 503 queue_full with Retry-After, as Ollama and llama-server answer a full queue. */
    static ApiException busy(io.llava4j.server.batch.QueueFullException e) {
        return new ApiException(503, "server_error", "queue_full", e.getMessage(), e.retryAfterSeconds());
    }

    public int status() { return status; }

    public String type() { return type; }

    /** OpenAI's error code string, or null. */
    public String code() { return code; }

    static ApiException badRequest(String message) { return new ApiException(400, "invalid_request_error", null, message); }
}
