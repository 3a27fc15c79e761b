package io.llava4j.train.demo;

/** The kinds of question the demo data asks; the held-out split is scored per type. */
public enum QuestionType {
    COLOR("color"), SHAPE("shape"), COUNT("count"), POSITION("position"), SIZE("size"), DESCRIBE("describe");

    public final String key;

    QuestionType(String key) { this.key = key; }

    public static QuestionType byKey(String key) {
        for (QuestionType t : values()) if (t.key.equals(key)) return t;
        throw new IllegalArgumentException("unknown question type '" + key + "' (color, shape, count, position, size, describe)");
    }
}
