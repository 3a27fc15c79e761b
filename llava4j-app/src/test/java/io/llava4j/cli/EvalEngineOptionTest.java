package io.llava4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval run --engine NAME: the app knows engines only through ServiceLoader, and says so when one is missing. */
class EvalEngineOptionTest {
    @TempDir Path tmp;

    @Test
    void anEngineThatIsNotOnTheClassPathIsAClearError() {
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--out", tmp.toString()).exitCode());
        CliRunner.Result r = CliRunner.run(null, "eval", "run", "--benchmark", "pope", "--data", tmp.toString(),
                "--model", tmp.resolve("no-model").toString(), "--engine", "spark");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("engine 'spark' is not on the class path"), r.err());
    }

    @Test
    void chunksBelongToLocalRuns() {
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--out", tmp.toString()).exitCode());
        CliRunner.Result r = CliRunner.run(null, "eval", "run", "--benchmark", "pope", "--data", tmp.toString(),
                "--model", tmp.toString(), "--engine", "spark", "--chunks", "2");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--chunks is for local runs"), r.err());
    }
}
