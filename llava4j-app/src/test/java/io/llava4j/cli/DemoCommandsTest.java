package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** make-demo-data, make-demo-model and demo-eval end to end on a tiny split. */
class DemoCommandsTest {
    @Test
    void dataModelAndEvaluation(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data"), model = tmp.resolve("model"), report = tmp.resolve("report.json");
        CliRunner.Result d = CliRunner.run(null, "make-demo-data", "--out", data.toString(), "--train", "5", "--test", "1", "--seed", "3");
        assertEquals(0, d.exitCode(), d.err());
        assertTrue(d.err().contains("5 training scenes"), d.err());
        assertEquals(5, new ObjectMapper().readTree(data.resolve("stage2.json").toFile()).size());
        assertTrue(Files.isRegularFile(data.resolve("images/test_000000.png")));

        CliRunner.Result m = CliRunner.run(null, "make-demo-model", "--out", model.toString(), "--seed", "1");
        assertEquals(0, m.exitCode(), m.err());
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")));
        CliRunner.Result again = CliRunner.run(null, "make-demo-model", "--out", model.toString());
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already exists"), again.err());

        CliRunner.Result e = CliRunner.run(null, "demo-eval", "--model", model.toString(), "--data", data.toString(),
                "--max-new-tokens", "4", "--out", report.toString());
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().contains("accuracy") && e.out().contains("color") && e.out().lines().anyMatch(l -> l.matches("all\\s+\\d+\\s+6\\s+.*")), e.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(6, json.get("answers").size());

        CliRunner.Result bad = CliRunner.run(null, "demo-eval", "--model", model.toString(), "--data", tmp.resolve("nothing").toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("test.json") && bad.err().lines().count() == 1, bad.err());
    }
}
