package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;

/**
 * A benchmark's generate step as its seed script does it: which files it reads, the prompts it builds, the decoding
 * it uses and the answer rows it writes. Knows nothing of model families; the runner supplies the model.
 */
public interface BenchmarkPrompts {
    /** The benchmark name used on the command line. */
    String name();

    /** The requests, in the order the seed's script makes them. */
    List<BenchPrompt> prompts(Path dataDir, GenerateOptions options) throws Exception;

    /** Max new tokens of the seed's script. */
    int maxNewTokens();

    /** Sampling temperature of the seed's script as its v1.5 shell script calls it (0 = greedy). */
    default double temperature() { return 0; }

    /** Stop strings beyond the chat template's (PLLaVA's "###", "USER"). */
    default List<String> extraStops() { return List.of(); }

    /** The answer row for one request and the model's raw generated text (each script strips it its own way). */
    ObjectNode answerRow(BenchPrompt prompt, String text, String modelId, String answerId);

    /** The resume key of a row this benchmark wrote (the {@link BenchPrompt#key} it was made from). */
    default String keyOf(JsonNode row) { return row.get("question_id").asText(); }

    /** Where the answer rows go, relative to the output folder. */
    default String answersPath(String modelId) { return "answers/" + modelId + ".jsonl"; }

    /** Files derived from the complete answers (MM-Vet's results json); called when every request is answered. */
    default void finish(Path outDir, Path answers, String modelId) throws Exception {}
}
