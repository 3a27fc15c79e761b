package io.llava4j.train.demo;

/**
 * Sizes as a fraction of the image side: a shape's half-extent (circle radius, half the square's side, half the
 * triangle's base and height) is drawn uniformly from [min, max). Small and large do not overlap (about 2:1).
 */
public enum ShapeSize {
    SMALL("small", 0.065, 0.085), LARGE("large", 0.125, 0.145);

    public final String word;
    final double minHalfExtent, maxHalfExtent;

    ShapeSize(String word, double minHalfExtent, double maxHalfExtent) {
        this.word = word;
        this.minHalfExtent = minHalfExtent;
        this.maxHalfExtent = maxHalfExtent;
    }
}
