package io.llava4j.train.demo;

import java.util.List;

/**
 * One synthetic picture: a plain light background and one to three shapes with distinct kinds, colours and
 * placements (so "the circle" or "the red shape" always names exactly one object).
 *
 * @param seed       the seed it was generated from (the same seed gives the same scene)
 * @param imageSize  side of the square image in pixels
 * @param background 0xRRGGBB
 */
public record Scene(long seed, int imageSize, int background, List<SceneObject> objects) {
    public Scene {
        objects = List.copyOf(objects);
    }

    public SceneObject byKind(ShapeKind k) {
        return objects.stream().filter(o -> o.kind() == k).findFirst().orElse(null);
    }
}
