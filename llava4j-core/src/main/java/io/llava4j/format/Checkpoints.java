package io.llava4j.format;

import java.nio.file.Files;
import java.nio.file.Path;

/** Placeholder until the full loader lands: single model.safetensors only. */
public final class Checkpoints {
    private Checkpoints() {}

    public static WeightMap open(Path dir) {
        Path st = dir.resolve("model.safetensors");
        if (Files.isRegularFile(st)) return SafetensorsFile.open(st);
        throw new CheckpointException(dir + ": no weights found (model.safetensors)");
    }
}
