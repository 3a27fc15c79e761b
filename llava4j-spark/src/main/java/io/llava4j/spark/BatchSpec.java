package io.llava4j.spark;

import io.llava4j.generate.SamplingParams;
import io.llava4j.model.LoadOptions;
import io.llava4j.tensor.DType;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What every task of a batch needs besides its items: the model, how to generate, and where output goes. Shipped
 * to executors with each task, so it holds only strings and numbers.
 *
 * @param model          model folder as executors see it (shared storage, or a name distributed with --archives)
 * @param quantize       Q8_0 / Q4_0 / null (see {@link LoadOptions})
 * @param threads        engine threads per executor JVM, or 0 for the engine's default (all cores)
 * @param seed           sampling seed; each item draws with seed ^ hash(question_id) so a retried task answers the same
 * @param output         the output folder (shared storage for a cluster)
 * @param failFirstAttemptOf partitions whose first attempt dies after one answer (to exercise recovery; normally empty)
 */
public record BatchSpec(String model, String visionTower, String lora, Double loraAlpha, String quantize, int threads,
                        String convMode, double temperature, double topP, int topK, double repetitionPenalty,
                        int maxNewTokens, Long seed, List<String> stop, String output, Set<Integer> failFirstAttemptOf)
        implements Serializable {

    public BatchSpec {
        stop = List.copyOf(stop);
        failFirstAttemptOf = Set.copyOf(failFirstAttemptOf);
        // fail on the driver, not on every executor
        new SamplingParams(temperature, topP, topK, repetitionPenalty, maxNewTokens, seed, stop);
    }

    /** Greedy decoding of {@code maxNewTokens} tokens with the model's own template. */
    public static BatchSpec greedy(Path model, int maxNewTokens, Path output) {
        return new BatchSpec(model.toAbsolutePath().normalize().toString(), null, null, null, null, 0, null,
                0, 1, SamplingParams.DEFAULT_TOP_K, 1, maxNewTokens, null, List.of(), output.toAbsolutePath().normalize().toString(), Set.of());
    }

    public BatchSpec withFailFirstAttemptOf(Set<Integer> partitions) {
        return new BatchSpec(model, visionTower, lora, loraAlpha, quantize, threads, convMode, temperature, topP, topK,
                repetitionPenalty, maxNewTokens, seed, stop, output, partitions);
    }

    public BatchSpec withOutput(Path dir) {
        return new BatchSpec(model, visionTower, lora, loraAlpha, quantize, threads, convMode, temperature, topP, topK,
                repetitionPenalty, maxNewTokens, seed, stop, dir.toAbsolutePath().normalize().toString(), failFirstAttemptOf);
    }

    LoadOptions loadOptions() {
        return new LoadOptions(visionTower, lora == null ? null : Path.of(lora), loraAlpha, quantize == null ? null : DType.valueOf(quantize));
    }

    /** The JVM-wide cache key: the same folder loaded the same way is one model. */
    String modelKey() {
        return model + "|" + visionTower + "|" + lora + "|" + loraAlpha + "|" + quantize;
    }

    /** The sampling parameters for one item (its own seed when sampling). */
    SamplingParams sampling(String questionId) {
        Long itemSeed = seed;
        if (seed != null && questionId != null) itemSeed = seed ^ questionId.hashCode();
        return new SamplingParams(temperature, topP, topK, repetitionPenalty, maxNewTokens, itemSeed, stop);
    }

    /** What makes two runs the same job (the output folder and fault injection do not). */
    String identity() {
        return String.join("|", modelKey(), convMode == null ? "" : convMode, Double.toString(temperature), Double.toString(topP),
                Integer.toString(topK), Double.toString(repetitionPenalty), Integer.toString(maxNewTokens), String.valueOf(seed), stop.toString());
    }
}
