package io.llava4j.train.demo;

/** The colours of the demo shapes: a name and a base RGB that the generator jitters slightly per shape. */
public enum ShapeColor {
    RED("red", 220, 40, 40),
    GREEN("green", 40, 170, 60),
    BLUE("blue", 40, 80, 220),
    YELLOW("yellow", 240, 205, 30),
    PURPLE("purple", 150, 60, 190);

    public final String word;
    final int r, g, b;

    ShapeColor(String word, int r, int g, int b) {
        this.word = word;
        this.r = r;
        this.g = g;
        this.b = b;
    }
}
