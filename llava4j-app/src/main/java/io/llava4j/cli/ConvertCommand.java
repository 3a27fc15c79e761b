package io.llava4j.cli;

import io.llava4j.format.Checkpoints;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Rewrites a model folder's safetensors weights in another floating-point type (e.g. a trained F32 checkpoint as F16,
 * half the size; the engine computes in fp32 either way). Every other file is copied as is. The new folder is built
 * in a hidden staging folder beside --out and renamed into place when complete, so a failure leaves nothing.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Copy a model folder with its floating-point safetensors weights stored as f16, bf16 or f32 (integer and quantized tensors unchanged).")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder (config.json + *.safetensors).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder (must not exist).")
    Path out;

    @Option(names = "--dtype", defaultValue = "f16", paramLabel = "TYPE", description = "f16, bf16 or f32 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() throws Exception {
        DType to = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f16", "fp16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            case "f32", "fp32", "float32" -> DType.F32;
            default -> throw new IllegalArgumentException("--dtype must be f16, bf16 or f32, not '" + dtype + "'");
        };
        if (!Files.isRegularFile(model.resolve("config.json"))) throw new IllegalArgumentException("not a model folder (no config.json): " + model);
        if (Files.exists(out)) throw new IllegalArgumentException("--out " + out + " already exists");
        List<Path> files;
        try (Stream<Path> s = Files.list(model)) { files = s.sorted().toList(); }
        if (files.stream().noneMatch(f -> f.getFileName().toString().endsWith(".safetensors")))
            throw new IllegalArgumentException("no .safetensors weights in " + model);
        Path parent = out.toAbsolutePath().normalize().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, ".llava4j-convert-");
        try {
            long before = 0, after = 0;
            int converted = 0;
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (Files.isDirectory(f)) continue;
                if (!name.endsWith(".safetensors")) { Files.copy(f, staging.resolve(name)); continue; }
                before += Files.size(f);
                try (WeightMap w = Checkpoints.openFile(f)) {
                    Map<String, Tensor> t = new LinkedHashMap<>();
                    for (String n : w.names().stream().sorted().toList()) {
                        Tensor x = w.get(n);
                        boolean fp = x.dtype() == DType.F32 || x.dtype() == DType.F16 || x.dtype() == DType.BF16;
                        if (fp && x.dtype() != to) { t.put(n, as(x, to)); converted++; } else t.put(n, x);
                    }
                    SafetensorsWriter.write(staging.resolve(name), t, Map.of("format", "pt"));
                }
                after += Files.size(staging.resolve(name));
            }
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
            System.err.printf(Locale.ROOT, "convert: %d tensors to %s, weights %.1f MB -> %.1f MB, written to %s%n",
                    converted, to.name(), before / 1e6, after / 1e6, out);
            return 0;
        } catch (Exception e) {
            try (Stream<Path> s = Files.walk(staging)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
            throw e;
        }
    }

    /** x in type {@code to} (round to nearest even, as torch's .to()). */
    static Tensor as(Tensor x, DType to) {
        float[] v = x.toFloatArray();
        if (to == DType.F32) return Tensor.ofFloats(x.name(), v, x.shape());
        MemorySegment seg = MemorySegment.ofArray(new short[v.length]);
        for (int i = 0; i < v.length; i++) {
            short s = to == DType.F16 ? Float.floatToFloat16(v[i]) : bf16(v[i]);
            seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, s);
        }
        return new Tensor(x.name(), to, x.shape(), seg);
    }

    static short bf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((b >>> 16) | 0x40);
        return (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
    }
}
