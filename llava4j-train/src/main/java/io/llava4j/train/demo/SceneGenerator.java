package io.llava4j.train.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws a {@link Scene} from a seed: 1 shape (40 %), 2 (30 %) or 3 (30 %); kinds, colours and placements drawn
 * without replacement; size small or large; the centre jittered by at most 1.5 % of the side around its cell centre
 * (a large shape stays inside its cell, so shapes never touch); fill colours and the light background jittered a
 * little so the model learns colour names, not exact values.
 */
public final class SceneGenerator {
    /** Largest shift of a shape's centre from its cell centre, as a fraction of the image side. */
    static final double JITTER = 0.015;

    private SceneGenerator() {}

    public static Scene generate(long seed, int imageSize) { return generate(seed, imageSize, 1); }

    /**
     * A scene with 1-3 shapes (40 / 30 / 30 %), or with minShapes = 2 two or three (50 / 50 %, for a curriculum on
     * pictures where the question names one shape among several). The same random draws either way.
     */
    public static Scene generate(long seed, int imageSize, int minShapes) {
        if (imageSize < 24) throw new IllegalArgumentException("image size " + imageSize + " is too small for the demo scenes (at least 24)");
        if (minShapes < 1 || minShapes > 3) throw new IllegalArgumentException("min shapes must be 1-3, got " + minShapes);
        SplittableRandom rnd = new SplittableRandom(seed);
        double u = rnd.nextDouble();
        int count = switch (minShapes) {
            case 1 -> u < 0.4 ? 1 : u < 0.7 ? 2 : 3;
            case 2 -> u < 0.5 ? 2 : 3;
            default -> 3;
        };
        List<ShapeKind> kinds = pick(ShapeKind.values(), count, rnd);
        List<ShapeColor> colors = pick(ShapeColor.values(), count, rnd);
        List<Placement> places = pick(Placement.values(), count, rnd);
        int grey = 228 + rnd.nextInt(28);
        int background = rgb(grey + rnd.nextInt(-6, 7), grey + rnd.nextInt(-6, 7), grey + rnd.nextInt(-6, 7));
        List<SceneObject> objects = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ShapeSize size = rnd.nextBoolean() ? ShapeSize.SMALL : ShapeSize.LARGE;
            Placement p = places.get(i);
            double cx = p.centerX(imageSize) + (rnd.nextDouble() * 2 - 1) * JITTER * imageSize;
            double cy = p.centerY(imageSize) + (rnd.nextDouble() * 2 - 1) * JITTER * imageSize;
            double half = (size.minHalfExtent + rnd.nextDouble() * (size.maxHalfExtent - size.minHalfExtent)) * imageSize;
            ShapeColor c = colors.get(i);
            int fill = rgb(c.r + rnd.nextInt(-15, 16), c.g + rnd.nextInt(-15, 16), c.b + rnd.nextInt(-15, 16));
            objects.add(new SceneObject(kinds.get(i), c, size, p, cx, cy, half, fill));
        }
        return new Scene(seed, imageSize, background, objects);
    }

    /** {@code n} distinct values in random order (a partial Fisher-Yates shuffle). */
    static <T> List<T> pick(T[] values, int n, SplittableRandom rnd) {
        T[] a = Arrays.copyOf(values, values.length);
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(a.length - i);
            T t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return List.of(Arrays.copyOf(a, n));
    }

    private static int rgb(int r, int g, int b) {
        return clamp(r) << 16 | clamp(g) << 8 | clamp(b);
    }

    private static int clamp(int v) { return Math.max(0, Math.min(255, v)); }
}
