package io.llava4j.model;

import io.llava4j.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves a model reference found inside a checkpoint (e.g. original LLaVA's {@code mm_vision_tower}) to a
 * local folder, never downloading: an absolute path, a path relative to the model folder, a sibling folder
 * (also by the repo id's last part), or a repo id in the local Hugging Face cache
 * ({@code $HF_HUB_CACHE}, {@code $HF_HOME/hub}, {@code ~/.cache/huggingface/hub}).
 */
public final class ModelLocator {
    private ModelLocator() {}

    public static Path resolve(String ref, Path modelDir) {
        List<Path> tried = new ArrayList<>();
        Path abs = Path.of(ref);
        if (abs.isAbsolute()) {
            if (Files.isDirectory(abs)) return abs;
            tried.add(abs);
        } else {
            for (Path c : List.of(modelDir.resolve(ref), sibling(modelDir, ref), sibling(modelDir, lastPart(ref)))) {
                if (Files.isDirectory(c)) return c.normalize();
                tried.add(c.normalize());
            }
            if (ref.contains("/") && !ref.startsWith(".")) {
                for (Path cache : hubCaches()) {
                    Path repo = cache.resolve("models--" + ref.replace("/", "--"));
                    Path snap = snapshot(repo);
                    if (snap != null) return snap;
                    tried.add(repo);
                }
            }
        }
        throw new ConfigException("cannot find '" + ref + "' locally (looked in: " + tried
                + "); download it and put it beside the model folder, or pass its path");
    }

    private static Path sibling(Path modelDir, String name) {
        Path parent = modelDir.toAbsolutePath().getParent();
        return parent == null ? modelDir.resolve(name) : parent.resolve(name);
    }

    private static String lastPart(String ref) {
        int i = ref.lastIndexOf('/');
        return i < 0 ? ref : ref.substring(i + 1);
    }

    static List<Path> hubCaches() {
        List<Path> out = new ArrayList<>();
        String hub = System.getenv("HF_HUB_CACHE");
        if (hub != null) out.add(Path.of(hub));
        String home = System.getenv("HF_HOME");
        if (home != null) out.add(Path.of(home, "hub"));
        out.add(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"));
        return out;
    }

    /** The snapshot folder refs/main points to, else the newest snapshot; null when none. */
    private static Path snapshot(Path repo) {
        Path snaps = repo.resolve("snapshots");
        if (!Files.isDirectory(snaps)) return null;
        try {
            Path ref = repo.resolve("refs/main");
            if (Files.isRegularFile(ref)) {
                Path p = snaps.resolve(Files.readString(ref).trim());
                if (Files.isDirectory(p)) return p;
            }
            try (Stream<Path> s = Files.list(snaps)) {
                return s.filter(Files::isDirectory).max((a, b) -> {
                    try { return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b)); }
                    catch (IOException e) { return 0; }
                }).orElse(null);
            }
        } catch (IOException e) {
            return null;
        }
    }
}
