package io.llava4j.cli;

import io.llava4j.bench.RandomLlavaCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llava4j make-random-model --shape llava-1.5-7b --template DIR --out DIR}: a real-shape random-weight model for bench. */
@Command(name = "make-random-model", mixinStandardHelpOptions = true,
        description = "Write a LLaVA-1.5 model of real shapes with random F16 weights (for benchmarks; real weights cannot be downloaded).")
final class MakeRandomModelCommand implements Callable<Integer> {
    @Option(names = "--shape", defaultValue = "llava-1.5-7b", description = "llava-1.5-7b or llava-1.5-13b (default ${DEFAULT-VALUE}).") String shape;
    @Option(names = "--template", required = true, paramLabel = "DIR",
            description = "A LLaVA-1.5 HF folder to take the tokenizer, template and processor files from (e.g. ../shared/fixtures/llava-1.5-tiny).")
    Path template;
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--seed", defaultValue = "0") long seed;

    @Override
    public Integer call() throws Exception {
        RandomLlavaCheckpoint.Shape s = RandomLlavaCheckpoint.Shape.named(shape);
        long total = 0;
        for (long[] d : RandomLlavaCheckpoint.tensorShapes(s).values()) {
            long n = 2;
            for (long x : d) n *= x;
            total += n;
        }
        long all = total, start = System.nanoTime();
        long[] lastPrint = {0};
        System.err.printf("llava4j: writing %s (%.2f GB of F16 weights) to %s%n", shape, all / 1e9, out);
        RandomLlavaCheckpoint.write(out, s, template, seed, written -> {
            long now = System.nanoTime();
            if (now - lastPrint[0] > 5_000_000_000L || written == all) {
                lastPrint[0] = now;
                double secs = (now - start) / 1e9;
                System.err.printf("  %.2f / %.2f GB  (%.0f MB/s)%n", written / 1e9, all / 1e9, written / 1e6 / Math.max(secs, 1e-9));
            }
        });
        System.err.println("llava4j: done: " + out);
        return 0;
    }
}
