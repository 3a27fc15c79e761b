package io.llava4j.eval;

/** Bad benchmark input; the message is one clear line naming the file. */
public class EvalException extends RuntimeException {
    public EvalException(String message) { super(message); }
}
