package io.llava4j.media;

/**
 * An image (or other media) file is missing, unreadable, empty, corrupt, too large or of an unsupported kind.
 * The message is one line and names the file (or the byte source) and the reason.
 */
public class MediaException extends RuntimeException {
    public MediaException(String message) { super(message); }
    public MediaException(String message, Throwable cause) { super(message, cause); }
}
