package io.llava4j.cli;

import io.llava4j.bench.BenchModels;
import io.llava4j.bench.RandomLlavaCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code llava4j make-random-model --shape NAME [--quant Q] [--format F]}: a real-shape random-weight model in the
 * bench-model cache (made once; the path is printed), or with {@code --out DIR} an F16 safetensors folder there.
 */
@Command(name = "make-random-model", mixinStandardHelpOptions = true,
        description = "Write a model of real shapes with random weights for benchmarks (real weights cannot be downloaded). Prints its folder.")
final class MakeRandomModelCommand implements Callable<Integer> {
    @Option(names = "--shape", defaultValue = "llava-1.5-7b",
            description = "llava-1.5-7b, llava-1.5-13b, llava-onevision-0.5b or pllava-7b (default ${DEFAULT-VALUE}).") String shape;
    @Option(names = "--quant", defaultValue = "f16", description = "With --format gguf: f16, q8_0, q4_0 or q4_k (default ${DEFAULT-VALUE}).") String quant;
    @Option(names = "--format", defaultValue = "safetensors", description = "safetensors (F16) or gguf (llava-1.5 shapes; default ${DEFAULT-VALUE}).") String format;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Bench-model cache (default $LLAVA4J_BENCH_MODELS or ~/.cache/llava4j/bench-models).")
    Path cacheDir;
    @Option(names = "--templates", paramLabel = "DIR", description = "The shared fixtures folder (tokenizer and config templates; default ../shared/fixtures).")
    Path templates;
    @Option(names = "--out", paramLabel = "DIR", description = "Write an F16 safetensors folder here instead of into the cache.") Path out;
    @Option(names = "--template", paramLabel = "DIR", description = "With --out: the model folder to take tokenizer and configs from (default: the family's tiny fixture).")
    Path template;
    @Option(names = "--seed", defaultValue = "0") long seed;

    @Override
    public Integer call() throws Exception {
        RandomLlavaCheckpoint.Named named = RandomLlavaCheckpoint.Named.of(shape);
        if (out != null) {
            if (!format.equals("safetensors") || !quant.equals("f16")) throw new IllegalArgumentException("--out writes F16 safetensors; use the cache for GGUF");
            Path tpl = template != null ? template : (templates != null ? templates : BenchModels.defaultTemplates()).resolve(named.family().templateFixture());
            System.err.printf("llava4j: writing %s (%.2f GB of F16 weights) to %s%n", shape, named.f16Bytes() / 1e9, out);
            long start = System.nanoTime();
            long[] lastPrint = {start};
            RandomLlavaCheckpoint.write(out, named.family(), named.shape(), tpl, seed, written -> {
                long now = System.nanoTime();
                if (now - lastPrint[0] > 10_000_000_000L) {
                    lastPrint[0] = now;
                    System.err.printf("  %.2f / %.2f GB  (%.0f MB/s)%n", written / 1e9, named.f16Bytes() / 1e9, written / 1e6 / ((now - start) / 1e9));
                }
            });
            System.out.println(out);
            return 0;
        }
        if (template != null || seed != 0) throw new IllegalArgumentException("--template and --seed apply with --out only (cached models use the fixtures and seed 0)");
        BenchModels.Format f = switch (format) {
            case "safetensors" -> BenchModels.Format.SAFETENSORS;
            case "gguf" -> BenchModels.Format.GGUF;
            default -> throw new IllegalArgumentException("--format must be safetensors or gguf, got " + format);
        };
        Path dir = BenchModels.ensure(cacheDir != null ? cacheDir : BenchModels.defaultRoot(), named, BenchModels.parseQuant(quant), f, templates,
                System.err::println);
        System.out.println(dir);
        return 0;
    }
}
