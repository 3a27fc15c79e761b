package io.llava4j.tokenizer;

/** A tokenizer folder or file cannot be used; the message names the file and the reason in one line. */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
