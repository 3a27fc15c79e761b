package io.llava4j.chat;

/** A chat template could not be loaded or rendered (syntax error, {@code raise_exception(...)}, bad messages). */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
