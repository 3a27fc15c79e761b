package io.llava4j.train.demo;

/**
 * One shape of a scene: what it is and where it is drawn. {@code cx, cy} is the centre in pixels,
 * {@code halfExtent} its half-size in pixels, {@code rgb} the jittered fill colour (0xRRGGBB).
 */
public record SceneObject(ShapeKind kind, ShapeColor color, ShapeSize size, Placement placement,
                          double cx, double cy, double halfExtent, int rgb) {

    /** "small red circle" */
    public String noun(boolean withSize) {
        return (withSize ? size.word + " " : "") + color.word + " " + kind.word;
    }
}
