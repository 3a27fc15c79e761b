package io.llava4j.bench;

import io.llava4j.config.Json;
import io.llava4j.format.WeightMap;
import io.llava4j.format.gguf.LlavaGguf;
import io.llava4j.model.llava.LlavaConfig;
import io.llava4j.tensor.DType;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The cache of random-weight benchmark models: each is written once and reused. Layout under the cache root
 * (default {@code ~/.cache/llava4j/bench-models}, or {@code $LLAVA4J_BENCH_MODELS}):
 * <ul>
 *   <li>{@code <shape>-f16/}: the HF-layout safetensors folder ({@link RandomLlavaCheckpoint}); quantized
 *       safetensors runs use it with load-time quantization (safetensors has no block-quantized types);</li>
 *   <li>{@code <shape>-<quant>-gguf/}: a llama.cpp-style pair ({@code <shape>-<quant>.gguf} + {@code mmproj-<shape>-f16.gguf})
 *       exported from the F16 folder by {@link LlavaGguf#export}, beside its config and tokenizer files; only for
 *       families the exporter writes ({@link RandomLlavaCheckpoint.Family#exportsToGguf()}).</li>
 * </ul>
 * Folders are built in a temporary sibling and renamed when complete, so a folder that exists is whole. Progress
 * (bytes written so far, by polling the temporary folder) goes to the given consumer as one line at a time.
 */
public final class BenchModels {
    private BenchModels() {}

    public enum Format { SAFETENSORS, GGUF }

    /** {@code $LLAVA4J_BENCH_MODELS}, else {@code ~/.cache/llava4j/bench-models}. */
    public static Path defaultRoot() {
        String env = System.getenv("LLAVA4J_BENCH_MODELS");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "llava4j", "bench-models");
    }

    /** f16, q8_0, q4_0, q4_k (case-insensitive). */
    public static DType parseQuant(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "f16" -> DType.F16;
            case "q8_0" -> DType.Q8_0;
            case "q4_0" -> DType.Q4_0;
            case "q4_k" -> DType.Q4_K;
            default -> throw new IllegalArgumentException("unknown quant '" + s + "' (f16, q8_0, q4_0, q4_k)");
        };
    }

    public static String quantName(DType t) { return t.name().toLowerCase(Locale.ROOT); }

    /** The folder a shape, quant and format live in (safetensors: always the F16 folder). */
    public static Path folder(Path root, String shape, DType quant, Format format) {
        return format == Format.GGUF ? root.resolve(shape + "-" + quantName(quant) + "-gguf") : root.resolve(shape + "-f16");
    }

    /**
     * The folder for this shape, quant and format, written first when missing.
     * @param templates folder holding the tiny fixtures (tokenizer and config templates), e.g. shared/fixtures; null:
     *                  {@link #defaultTemplates()} (only looked up when a model must be written)
     * @param log       progress lines (may be null)
     */
    public static Path ensure(Path root, String shape, DType quant, Format format, Path templates, Consumer<String> log) throws IOException {
        return ensure(root, RandomLlavaCheckpoint.Named.of(shape), quant, format, templates, log);
    }

    /** {@link #ensure(Path, String, DType, Format, Path, Consumer)} for any named shape (tests use tiny ones). */
    public static Path ensure(Path root, RandomLlavaCheckpoint.Named named, DType quant, Format format, Path templates, Consumer<String> log) throws IOException {
        String shape = named.name();
        if (format == Format.GGUF && !named.family().exportsToGguf()) {
            throw new IllegalArgumentException(shape + " cannot be written as GGUF (LlavaGguf exports LLaVA-1.5 only); use --format safetensors");
        }
        Path f16 = folder(root, shape, DType.F16, Format.SAFETENSORS);
        if (!Files.isDirectory(f16)) {
            Path template = (templates != null ? templates : defaultTemplates()).resolve(named.family().templateFixture());
            say(log, String.format("llava4j: writing random %s (%.2f GB of F16 weights) to %s", shape, named.f16Bytes() / 1e9, f16));
            Path same = sameWeights(root, named);
            if (same != null) say(log, "llava4j: its tensors are those of " + same + ": linked, not written again");
            withProgress(root, "." + f16.getFileName() + ".tmp-", named.f16Bytes(), log,
                    () -> RandomLlavaCheckpoint.write(f16, named.family(), named.shape(), template, 0, null, same));
        }
        if (format == Format.SAFETENSORS) return f16;
        Path out = folder(root, shape, quant, Format.GGUF);
        if (Files.isDirectory(out)) return out;
        say(log, "llava4j: exporting " + shape + " as GGUF " + quantName(quant) + " to " + out);
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "." + out.getFileName() + ".tmp-");
        try {
            withProgress(root, tmp.getFileName().toString(), -1, log, () -> exportGguf(f16, shape, quant, tmp));
            RandomLlavaCheckpoint.makeReadable(tmp);
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            RandomLlavaCheckpoint.deleteTree(tmp);
            throw e;
        }
        return out;
    }

    /**
     * The weights of another cached F16 folder with exactly this shape's tensors (names, shapes, F16), e.g. LLaVA-1.5-7B's
     * for PLLaVA-7B, or null.
     */
    static Path sameWeights(Path root, RandomLlavaCheckpoint.Named named) throws IOException {
        if (!Files.isDirectory(root)) return null;
        var mine = named.tensorShapes();
        List<Path> candidates;
        try (Stream<Path> s = Files.list(root)) {
            candidates = s.filter(d -> d.getFileName().toString().endsWith("-f16")).map(d -> d.resolve("model.safetensors"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
        for (Path w : candidates) {
            try (var f = io.llava4j.format.SafetensorsFile.open(w)) {
                boolean same = f.names().size() == mine.size() && mine.entrySet().stream().allMatch(e -> f.find(e.getKey())
                        .map(t -> t.dtype() == DType.F16 && java.util.Arrays.equals(t.shape(), e.getValue())).orElse(false));
                if (same) return w;
            }
        }
        return null;
    }

    /** The GGUF pair of the F16 folder plus its config, processor and tokenizer files, into {@code dir}. */
    static void exportGguf(Path f16, String name, DType quant, Path dir) throws IOException {
        try (Stream<Path> s = Files.list(f16)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (Files.isRegularFile(p) && !n.endsWith(".safetensors")) Files.copy(p, dir.resolve(n));
            }
        }
        LlavaConfig cfg = LlavaConfig.fromJson(Json.read(f16.resolve("config.json")));
        var proc = ClipImageProcessor.load(f16.resolve("preprocessor_config.json")).config();
        try (WeightMap w = io.llava4j.format.Checkpoints.open(f16)) {
            LlavaGguf.export(w, cfg.textConfig(), cfg.visionConfig(), cfg.featureLayerIndex(), proc.imageMean(), proc.imageStd(), quant, name,
                    dir.resolve(name + "-" + quantName(quant) + ".gguf"), dir.resolve("mmproj-" + name + "-f16.gguf"));
        }
    }

    /** Where the tiny fixtures are: -Dllava4j.shared or $LLAVA4J_SHARED (+ /fixtures), else ../shared/fixtures or further up. */
    public static Path defaultTemplates() {
        String prop = System.getProperty("llava4j.shared", System.getenv("LLAVA4J_SHARED"));
        if (prop != null && !prop.isBlank()) return Path.of(prop).resolve("fixtures");
        for (String c : List.of("../shared", "../../shared", "shared")) {
            Path p = Path.of(c, "fixtures");
            if (Files.isDirectory(p)) return p.toAbsolutePath().normalize();
        }
        throw new IllegalArgumentException("tokenizer templates not found: pass --templates DIR (the shared/fixtures folder) or set LLAVA4J_SHARED");
    }

    interface IoAction { void run() throws IOException; }

    /** Runs the action while a daemon thread reports, every 10 s, the bytes in the folders under root whose names start with prefix. */
    private static void withProgress(Path root, String prefix, long total, Consumer<String> log, IoAction action) throws IOException {
        long start = System.nanoTime();
        Thread t = null;
        if (log != null) {
            t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(10_000);
                        long bytes = sizeOfTemp(root, prefix);
                        double secs = (System.nanoTime() - start) / 1e9;
                        log.accept(String.format("  %.2f%s GB written (%.0f MB/s)", bytes / 1e9,
                                total > 0 ? String.format(" / %.2f", total / 1e9) : "", bytes / 1e6 / secs));
                    }
                } catch (InterruptedException done) {
                    // finished
                }
            });
        }
        try {
            action.run();
        } finally {
            if (t != null) t.interrupt();
        }
        say(log, String.format("llava4j: done in %.0f s", (System.nanoTime() - start) / 1e9));
    }

    private static long sizeOfTemp(Path root, String prefix) {
        long n = 0;
        try (Stream<Path> s = Files.walk(root, 3)) {
            for (Path p : s.toList()) {
                Path rel = root.relativize(p);
                if (rel.getNameCount() > 1 && rel.getName(0).toString().startsWith(prefix) && Files.isRegularFile(p)) n += Files.size(p);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a file vanished while walking (renamed at the end): report what was seen
        }
        return n;
    }

    private static void say(Consumer<String> log, String line) {
        if (log != null) log.accept(line);
    }
}
