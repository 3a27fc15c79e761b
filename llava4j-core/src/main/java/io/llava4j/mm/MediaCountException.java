package io.llava4j.mm;

/** The prompt's media markers and the media given disagree. The message carries both counts. */
public class MediaCountException extends IllegalArgumentException {
    public MediaCountException(String message) { super(message); }
}
