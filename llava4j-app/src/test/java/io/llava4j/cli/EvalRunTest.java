package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** run -> score end to end on a miniature POPE benchmark, with a killed-and-resumed run and chunks. */
class EvalRunTest {
    @TempDir Path tmp;

    String model() { return Fixtures.dir("llava-1.5-tiny").toString(); }

    @Test
    void runScoreResumeAndChunks() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--out", a.toString()).exitCode());
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--out", b.toString()).exitCode());
        String[] run = {"eval", "run", "--benchmark", "pope", "--model", model(), "--max-new-tokens", "3"};

        // uninterrupted
        CliRunner.Result full = CliRunner.run(null, concat(run, "--data", a.toString()));
        assertEquals(0, full.exitCode(), full.err());
        Path answersA = a.resolve("answers/llava-1.5-tiny.jsonl");
        assertEquals(12, Files.readAllLines(answersA).size());

        // killed after 5 answers (and a half-written row), then resumed
        assertEquals(0, CliRunner.run(null, concat(run, "--data", b.toString(), "--limit", "5")).exitCode());
        Path answersB = b.resolve("answers/llava-1.5-tiny.jsonl");
        Files.writeString(answersB, Files.readString(answersB) + "{\"question_id\": 6, \"prompt\": \"Is th", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        CliRunner.Result resumed = CliRunner.run(null, concat(run, "--data", b.toString()));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resuming, 5 of 12"), resumed.err());
        assertEquals(Files.readString(answersA), Files.readString(answersB), "resumed run == uninterrupted run");

        // scoring the generated answers with the official POPE rules
        CliRunner.Result score = CliRunner.run(null, "eval", "score", "--benchmark", "pope", "--data", a.toString(), "--json");
        assertEquals(0, score.exitCode(), score.err());
        JsonNode m = Json.MAPPER.readTree(score.out()).get("metrics");
        assertEquals(3, m.size());
        for (JsonNode cat : m) assertEquals(4, cat.get("n_answers").asInt());

        // two chunks cover the same questions
        Path c = tmp.resolve("c");
        CliRunner.run(null, "eval", "mini", "--out", c.toString());
        for (int k = 0; k < 2; k++) assertEquals(0, CliRunner.run(null, concat(run, "--data", c.toString(), "--chunks", "2", "--chunk-idx", String.valueOf(k))).exitCode());
        String merged = Files.readString(c.resolve("answers/llava-1.5-tiny_2_0.jsonl")) + Files.readString(c.resolve("answers/llava-1.5-tiny_2_1.jsonl"));
        assertEquals(Files.readString(answersA), merged);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
