package io.llava4j.train.demo;

/** The shapes of the demo scenes; {@link #word} is how questions and answers name them. */
public enum ShapeKind {
    CIRCLE("circle"), SQUARE("square"), TRIANGLE("triangle");

    public final String word;

    ShapeKind(String word) { this.word = word; }
}
