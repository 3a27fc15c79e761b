package io.llava4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates ../shared/fixtures (system property llava4j.shared, set by the pom; else ../shared, ../../shared).
 * Missing fixtures fail loudly: no silent skips.
 */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    public static Path shared() {
        String prop = System.getProperty("llava4j.shared");
        if (prop != null && Files.isDirectory(Path.of(prop, "fixtures"))) return Path.of(prop).toAbsolutePath().normalize();
        for (String c : new String[] {"../shared", "../../shared", "../../../shared"}) {
            if (Files.isDirectory(Path.of(c, "fixtures"))) return Path.of(c).toAbsolutePath().normalize();
        }
        throw new IllegalStateException("fixtures not found: set -Dllava4j.shared=PATH or put shared/ beside the checkout");
    }

    /** A fixture folder, e.g. {@code dir("llava-1.5-tiny")}. */
    public static Path dir(String name) {
        Path p = shared().resolve("fixtures").resolve(name);
        if (!Files.isDirectory(p)) throw new IllegalStateException("fixture folder missing: " + p);
        return p;
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** golden/golden.json of a model fixture. */
    public static JsonNode golden(String name) {
        return json(dir(name).resolve("golden/golden.json"));
    }
}
