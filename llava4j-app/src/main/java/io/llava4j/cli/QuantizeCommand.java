package io.llava4j.cli;

import io.llava4j.format.gguf.GgufFile;
import io.llava4j.format.gguf.LlavaGguf;
import io.llava4j.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Writes a Hugging Face LLaVA-1.5 folder as a llama.cpp GGUF pair. Both files are written into a hidden staging folder
 * inside --out and moved into place only when both are complete, so a failure leaves nothing behind.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write a Hugging Face LLaVA-1.5 folder as a llama.cpp / Ollama GGUF pair with everything needed to run it "
                + "(hyper-parameters, tokenizer, chat template): <name>-<type>.gguf (language model) and mmproj-<name>-f16.gguf "
                + "(CLIP tower + projector).",
                "--type sets the language model's attention and MLP matrices; token embeddings and output stay Q8_0 for 4- and "
                + "5-bit types, norms F32; rows that are not whole blocks fall back to Q8_0 (F16 if not even that fits). "
                + "q4_k_m and q5_k_m are llama.cpp's mixed recipes: Q4_K / Q5_K, with Q6_K for output.weight and for attn_v and "
                + "ffn_down in some layers, token embeddings in the base type, and llama.cpp's fallbacks (Q5_0, Q5_1, Q8_0) for "
                + "rows that are not whole 256-blocks. "
                + "The mmproj is F16 matrices and F32 norms and biases, as llama.cpp writes it."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "HF_DIR", description = "Hugging Face LLaVA-1.5 folder (config.json, preprocessor_config.json, tokenizer.model, weights).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the two .gguf files (created if needed).")
    Path out;

    @Option(names = "--type", defaultValue = "q4_k", paramLabel = "TYPE", description = TYPES + " (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--debug", description = "Print stack traces on errors.")
    boolean debug;

    static final String TYPES = "q8_0, q6_k, q5_k, q5_1, q5_0, q4_k, q4_0, q5_k_m, q4_k_m or f16";

    @Override
    public Integer call() throws Exception {
        LlavaGguf.Mix mix = LlavaGguf.Mix.parse(type);
        DType t = mix == null ? parseType(type) : null;
        String label = mix != null ? mix.name().toLowerCase(Locale.ROOT) : t.name().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(model.resolve("config.json"))) throw new IllegalArgumentException("not a Hugging Face model folder (no config.json): " + model);
        boolean outExisted = Files.isDirectory(out);
        Files.createDirectories(out);
        Path staging = Files.createTempDirectory(out, ".llava4j-quantize-");
        long start = System.nanoTime();
        try {
            int[] n = {0};
            int total;
            try (var w = io.llava4j.format.Checkpoints.open(model)) {
                total = w.names().size();
            }
            System.err.println("quantize: " + model + " -> " + out + " (" + label + ")");
            java.util.function.Consumer<String> progress = name -> {
                n[0]++;
                if (n[0] % 25 == 0 || n[0] == total) System.err.printf("quantize: read %d/%d tensors (%s)%n", n[0], total, name);
            };
            List<Path> written = mix != null ? LlavaGguf.exportFolder(model, mix, staging, progress) : LlavaGguf.exportFolder(model, t, staging, progress);
            List<Path> targets = new ArrayList<>();
            for (Path f : written) {
                Path target = out.resolve(f.getFileName());
                if (Files.exists(target)) throw new IllegalArgumentException(target + " already exists; remove it or choose another --out");
                targets.add(target);
            }
            System.err.printf("quantize: read %d source tensors%n", n[0]);
            for (int i = 0; i < written.size(); i++) {
                Files.move(written.get(i), targets.get(i), StandardCopyOption.ATOMIC_MOVE);
                readableByAll(targets.get(i));
            }
            for (Path f : targets) System.out.println(f + "  " + summary(f));
            System.err.printf("quantize: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        } finally {
            deleteTree(staging);
            if (!outExisted) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isEmpty()) Files.delete(out);
                }
            }
        }
    }

    static DType parseType(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "q8_0" -> DType.Q8_0;
            case "q6_k" -> DType.Q6_K;
            case "q5_k" -> DType.Q5_K;
            case "q5_1" -> DType.Q5_1;
            case "q5_0" -> DType.Q5_0;
            case "q4_k" -> DType.Q4_K;
            case "q4_0" -> DType.Q4_0;
            case "f16" -> DType.F16;
            default -> throw new IllegalArgumentException("--type '" + s + "' is not one of " + TYPES);
        };
    }

    /** Size and tensors per storage type, read back from the written file (what is quantized, and what is not). */
    static String summary(Path f) throws IOException {
        Map<String, Integer> byType = new TreeMap<>();
        try (GgufFile g = GgufFile.open(f)) {
            for (var ti : g.tensorInfos().values()) byType.merge(ti.type().name(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder(String.format("%.1f MiB:", Files.size(f) / 1048576.0));
        byType.forEach((k, v) -> sb.append(' ').append(v).append(' ').append(k));
        return sb.toString();
    }

    /** The writer's temp file is owner-only; a model file is meant to be shared (rw-r--r--) where POSIX modes exist. */
    private static void readableByAll(Path f) throws IOException {
        try {
            Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep what the system gave
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
