package io.llava4j.spark;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code llava4j batch}: answers a question file or a media folder on Spark (embedded by default). */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Answer a JSONL of questions (question_id, image|video, text) or a folder of images/videos on Apache Spark.")
public final class BatchCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, paramLabel = "FILE|DIR", description = "Question file (jsonl) or a folder of images and videos (with --prompt).")
    Path input;

    @Option(names = "--images", paramLabel = "DIR", description = "Folder that image/video paths of the question file are relative to (default: the file's folder).")
    Path images;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "The question for every file of a folder input (or for rows without text).")
    String prompt;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder, as the executors see it (shared storage, or a name given with --archives).")
    String model;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output folder: part-NNNNN.jsonl answers, errors.jsonl. A rerun resumes.")
    Path output;

    @Option(names = "--master", paramLabel = "URL", description = "local[*] (default, embedded; under spark-submit: its --master), local[N], spark://HOST:7077, k8s://...")
    String master;

    @Option(names = "--partition-size", defaultValue = "16", paramLabel = "N", description = "Items per partition (the unit of commit and retry; default ${DEFAULT-VALUE}).")
    int partitionSize;

    @Option(names = "--max-failures", defaultValue = "4", paramLabel = "N", description = "Attempts per task before the job fails (default ${DEFAULT-VALUE}).")
    int maxFailures;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Extra Spark setting (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--conv-mode", paramLabel = "NAME", description = "Conversation template (default: the model's).")
    String convMode;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Default ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "Default ${DEFAULT-VALUE} (greedy).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Default ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--top-k", defaultValue = "50", description = "Default ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "Default ${DEFAULT-VALUE}.")
    double repetitionPenalty;

    @Option(names = "--seed", description = "Sampling seed (each item uses seed ^ hash(question_id), so retries answer the same).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop string (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--vision-tower", paramLabel = "DIR", description = "Vision tower folder for original-layout checkpoints.")
    String visionTower;

    @Option(names = "--lora", paramLabel = "DIR", description = "PEFT LoRA adapter folder.")
    String lora;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "Override lora_alpha.")
    Double loraAlpha;

    @Option(names = "--load-8bit", description = "Quantize the language model to Q8_0 at load time.")
    boolean load8bit;

    @Option(names = "--load-4bit", description = "Quantize the language model to Q4_0 at load time.")
    boolean load4bit;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Engine threads per executor JVM (default: all its cores; set it to the executor's cores).")
    int threads;

    @Option(names = "--debug", description = "Print stack traces on errors.")
    boolean debug;

    @Option(names = "--fail-first-attempt", hidden = true, split = ",", paramLabel = "P", description = "Kill the first attempt of these partitions after one answer (recovery drills).")
    Set<Integer> failFirstAttempt = Set.of();

    @Override
    public Integer call() throws Exception {
        if (load8bit && load4bit) throw new IllegalArgumentException("--load-8bit and --load-4bit exclude each other");
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        String modelDir = Path.of(model).isAbsolute() || !Path.of(model).toFile().exists() ? model : Path.of(model).toAbsolutePath().normalize().toString();
        BatchSpec spec = new BatchSpec(modelDir, visionTower, lora, loraAlpha, load8bit ? "Q8_0" : load4bit ? "Q4_0" : null, threads,
                convMode, temperature, topP, topK, repetitionPenalty, maxNewTokens, seed, stop,
                output.toAbsolutePath().normalize().toString(), failFirstAttempt);
        List<BatchItem> items = BatchInput.read(input, images, prompt);
        BatchJob.Summary s = BatchJob.run(spec, items, partitionSize, BatchJob.master(master), maxFailures, conf, System.err);
        System.err.printf("batch: %d items in %d partitions (%d already committed): %d answered, %d bad items (errors.jsonl), %d failed task attempts retried, %.1f s, %.2f items/s%n",
                s.items(), s.partitions(), s.skippedPartitions(), s.answered(), s.errors(), s.failedAttempts(), s.seconds(), s.itemsPerSecond());
        System.out.println(output);
        return 0;
    }
}
