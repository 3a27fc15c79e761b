package io.llava4j.server;

/** An error answered in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with an HTTP status. */
public class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String code;

    public ApiException(int status, String type, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public int status() { return status; }

    public String type() { return type; }

    /** OpenAI's error code string, or null. */
    public String code() { return code; }

    static ApiException badRequest(String message) { return new ApiException(400, "invalid_request_error", null, message); }
}
