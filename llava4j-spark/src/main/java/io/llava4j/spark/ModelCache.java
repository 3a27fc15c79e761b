package io.llava4j.spark;

import io.llava4j.api.Llava4j;
import io.llava4j.kernels.Parallel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded model per executor JVM and model key, shared by every task that JVM runs (weights are memory-mapped,
 * so concurrent tasks read the same pages). Models stay loaded until the JVM exits: executors are reused for the
 * partitions of a job, and loading again per partition would dominate small partitions.
 */
final class ModelCache {
    private static final Map<String, Llava4j> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();

    private ModelCache() {}

    static Llava4j get(BatchSpec spec) {
        return MODELS.computeIfAbsent(spec.modelKey(), k -> load(spec));
    }

    /** How many times this JVM loaded the model of {@code spec} (1 once warm; tests check it). */
    static int loads(BatchSpec spec) {
        AtomicInteger n = LOADS.get(spec.modelKey());
        return n == null ? 0 : n.get();
    }

    private static Llava4j load(BatchSpec spec) {
        Path dir = resolve(spec.model());
        if (spec.threads() > 0) Parallel.setThreads(spec.threads());
        Llava4j llava = Llava4j.load(dir, spec.loadOptions());
        LOADS.computeIfAbsent(spec.modelKey(), k -> new AtomicInteger()).incrementAndGet();
        return llava;
    }

    /** The model folder as given, else a folder Spark distributed under that name (--archives model.tgz#NAME). */
    private static Path resolve(String model) {
        Path p = Path.of(model);
        if (Files.isDirectory(p)) return p;
        try {
            Path distributed = Path.of(org.apache.spark.SparkFiles.get(model));
            if (Files.isDirectory(distributed)) return distributed;
        } catch (RuntimeException e) {
            // not inside a Spark JVM with distributed files: report the path as given
        }
        throw new IllegalArgumentException("model folder not found on " + hostName() + ": " + model
                + " (put it on storage every executor mounts, or distribute it with --archives)");
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "this executor";
        }
    }
}
