package io.llava4j.train.demo;

/**
 * Where a shape is, defined by its centre on a 3x3 grid of equal cells: LEFT is the middle cell of the left column,
 * RIGHT the middle of the right column, TOP the middle of the top row, BOTTOM the middle of the bottom row, CENTER
 * the middle cell. Corner cells are never used, so every placement has one unambiguous name. {@link #phrase} is how
 * answers say it ("on the left").
 */
public enum Placement {
    LEFT("left", "on the left", 0, 1),
    RIGHT("right", "on the right", 2, 1),
    TOP("top", "at the top", 1, 0),
    BOTTOM("bottom", "at the bottom", 1, 2),
    CENTER("center", "in the center", 1, 1);

    public final String word;
    public final String phrase;
    /** Grid cell: column and row, 0..2. */
    final int column, row;

    Placement(String word, String phrase, int column, int row) {
        this.word = word;
        this.phrase = phrase;
        this.column = column;
        this.row = row;
    }

    /** The cell centre in pixels for an image of side {@code size}: (column + 0.5) * size / 3. */
    double centerX(int size) { return (column + 0.5) * size / 3.0; }

    double centerY(int size) { return (row + 0.5) * size / 3.0; }

    /** The placement whose cell holds the point, or null for a corner cell. */
    public static Placement ofPoint(double x, double y, int size) {
        int c = Math.min(2, Math.max(0, (int) (x * 3 / size)));
        int r = Math.min(2, Math.max(0, (int) (y * 3 / size)));
        for (Placement p : values()) if (p.column == c && p.row == r) return p;
        return null;
    }
}
