package io.llava4j.format;

/** A checkpoint file is missing, truncated, corrupt, or of an unsupported kind. The message says which file and why. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }
    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
