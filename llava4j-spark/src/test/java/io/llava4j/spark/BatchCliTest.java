package io.llava4j.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: {@code batch} on a media folder, its errors, and {@code eval run --engine spark}. */
class BatchCliTest {
    @TempDir Path tmp;

    record Run(int exitCode, String err) {}

    static Run cli(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            return new Run(BatchMain.run(args), err.toString());
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void aFolderOfImagesWithOnePrompt() throws Exception {
        Path out = tmp.resolve("captions");
        Run r = cli("batch", "--input", BatchFixtures.golden().toString(), "--prompt", "Describe the image.",
                "--model", BatchFixtures.model().toString(), "--output", out.toString(), "--max-new-tokens", "6",
                "--master", "local[1]", "--conf", "spark.ui.enabled=false");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("3 answered, 0 bad items"), r.err());
        List<BatchItem> items = BatchInput.read(BatchFixtures.golden(), null, "Describe the image.");
        assertEquals(List.of("img_landscape_200x150.png", "img_portrait_120x240.png", "img_tiny_30x30.png"),
                items.stream().map(BatchItem::questionId).toList());
        BatchFixtures.assertAnswers(out, items, BatchFixtures.engineAnswers(items));
    }

    @Test
    void badArgumentsAreOneLineAndExitCode2() {
        Run missing = cli("batch", "--input", tmp.resolve("nope.jsonl").toString(), "--model", "m", "--output", tmp.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("input not found"), missing.err());
        Run noPrompt = cli("batch", "--input", BatchFixtures.golden().toString(), "--model", "m", "--output", tmp.toString());
        assertEquals(2, noPrompt.exitCode());
        assertTrue(noPrompt.err().contains("needs --prompt"), noPrompt.err());
    }

    @Test
    void evalRunOnSparkWritesTheSameAnswerFileAsALocalRun() throws Exception {
        Path local = tmp.resolve("local"), spark = tmp.resolve("spark");
        assertEquals(0, cli("eval", "mini", "--out", local.toString()).exitCode());
        assertEquals(0, cli("eval", "mini", "--out", spark.toString()).exitCode());
        String[] run = {"eval", "run", "--benchmark", "pope", "--model", BatchFixtures.model().toString(), "--max-new-tokens", "3", "--limit", "7"};
        Run l = cli(EvalArgs.concat(run, "--data", local.toString()));
        assertEquals(0, l.exitCode(), l.err());
        Run s = cli(EvalArgs.concat(run, "--data", spark.toString(), "--engine", "spark", "--master", "local[2]"));
        assertEquals(0, s.exitCode(), s.err());
        String expected = Files.readString(local.resolve("answers/llava-1.5-tiny.jsonl"));
        assertEquals(7, expected.lines().count());
        assertEquals(expected, Files.readString(spark.resolve("answers/llava-1.5-tiny.jsonl")));
        // the scorer reads the spark run's answers like a local run's
        Run score = cli("eval", "score", "--benchmark", "pope", "--data", spark.toString(), "--json");
        assertEquals(0, score.exitCode(), score.err());
    }

    /** Argument arrays. */
    static final class EvalArgs {
        static String[] concat(String[] a, String... b) {
            String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

}
