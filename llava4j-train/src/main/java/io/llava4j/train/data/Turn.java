package io.llava4j.train.data;

/** One message of a LLaVA training conversation: {@code from} is "human" or "gpt" (as in the JSON), {@code value} its text. */
public record Turn(String from, String value) {
    public Turn withValue(String v) { return new Turn(from, v); }
}
