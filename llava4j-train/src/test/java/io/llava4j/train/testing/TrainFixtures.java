package io.llava4j.train.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.format.Npy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/fixtures (system property llava4j.shared, set by the pom). Missing fixtures fail loudly. */
public final class TrainFixtures {
    private TrainFixtures() {}

    public static Path shared() {
        String prop = System.getProperty("llava4j.shared");
        if (prop != null && Files.isDirectory(Path.of(prop, "fixtures"))) return Path.of(prop).toAbsolutePath().normalize();
        for (String c : new String[] {"../shared", "../../shared", "../../../shared"}) {
            if (Files.isDirectory(Path.of(c, "fixtures"))) return Path.of(c).toAbsolutePath().normalize();
        }
        throw new IllegalStateException("fixtures not found: set -Dllava4j.shared=PATH or put shared/ beside the checkout");
    }

    public static Path dir(String name) {
        Path p = shared().resolve("fixtures").resolve(name);
        if (!Files.isDirectory(p)) throw new IllegalStateException("fixture folder missing: " + p);
        return p;
    }

    /** The training fixture folder. */
    public static Path train() { return dir("llava-1.5-tiny-train"); }

    public static JsonNode trainGolden() {
        try {
            return new ObjectMapper().readTree(train().resolve("train_golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] npy(Path file) {
        try {
            return Npy.read(file).floats();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    /** Max abs and max relative (to the golden's max abs) differences, printed as "[diff] name ...". Returns the relative one. */
    public static double diff(String name, float[] got, float[] want) {
        if (got.length != want.length) throw new AssertionError(name + ": " + got.length + " values, golden has " + want.length);
        double maxAbs = 0, scale = 0, maxElemRel = 0;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            maxAbs = Math.max(maxAbs, d);
            scale = Math.max(scale, Math.abs(want[i]));
        }
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            maxElemRel = Math.max(maxElemRel, d / Math.max(Math.abs(want[i]), 1e-3 * scale));
        }
        double rel = scale == 0 ? maxAbs : maxAbs / scale;
        System.out.printf("[diff] %-70s max abs %.3e  rel (to max |golden|) %.3e  max elementwise rel %.3e%n", name, maxAbs, rel, maxElemRel);
        return rel;
    }
}
