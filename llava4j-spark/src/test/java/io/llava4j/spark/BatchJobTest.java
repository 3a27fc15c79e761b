package io.llava4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real Spark jobs in local mode on the tiny fixture: answers, retries, resumption, bad items. */
class BatchJobTest {
    @TempDir static Path tmp;
    static List<BatchItem> items;
    static Map<String, String> expected;

    @BeforeAll
    static void engineAnswers() throws Exception {
        items = BatchInput.read(BatchFixtures.questionFile(tmp), BatchFixtures.golden(), null);
        expected = BatchFixtures.engineAnswers(items);
    }

    static BatchSpec spec(Path out) {
        return BatchSpec.greedy(BatchFixtures.model(), BatchFixtures.MAX_NEW_TOKENS, out);
    }

    static BatchJob.Summary run(BatchSpec spec, String master, int maxFailures, ByteArrayOutputStream progress) throws Exception {
        return BatchJob.run(spec, items, 3, master, maxFailures, BatchFixtures.TEST_CONF, new PrintStream(progress, true));
    }

    @Test
    void everyAnswerIsTheEnginesGreedyAnswer() throws Exception {
        Path out = tmp.resolve("plain");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BatchJob.Summary s = run(spec(out), "local[2]", 4, progress);
        assertEquals(10, s.items());
        assertEquals(4, s.partitions());
        assertEquals(10, s.answered());
        assertEquals(0, s.errors());
        BatchFixtures.assertAnswers(out, items, expected);
        assertEquals(4, new OutputLayout(out).answerFiles().size(), "one file per partition");
        assertEquals(1, ModelCache.loads(spec(out)), "the executor JVM loaded the model once for all partitions");
        assertTrue(progress.toString().contains("batch: 10/10 items"), progress.toString());
        assertEquals(0, Files.readAllLines(out.resolve("errors.jsonl")).size());
    }

    @Test
    void aFailedTaskIsRetriedAndNothingIsWrittenTwice() throws Exception {
        Path out = tmp.resolve("retried");
        BatchJob.Summary s = run(spec(out).withFailFirstAttemptOf(Set.of(1, 3)), "local[2]", 4, new ByteArrayOutputStream());
        assertEquals(10, s.answered());
        BatchFixtures.assertAnswers(out, items, expected);
        assertEquals(2, s.failedAttempts(), "the first attempts of partitions 1 and 3 failed and were retried");
        assertFalse(Files.exists(out.resolve("_temporary")), "their unpublished partial output is cleaned up");
    }

    @Test
    void aRerunAfterAnInterruptedJobFinishesItWithoutDuplicates() throws Exception {
        Path out = tmp.resolve("interrupted");
        // one core, one attempt per task: partitions run in order and the job dies at partition 2
        Exception crash = assertThrows(Exception.class, () -> run(spec(out).withFailFirstAttemptOf(Set.of(2)), "local[1]", 1, new ByteArrayOutputStream()));
        assertTrue(crash.getMessage().contains("injected failure"), crash.getMessage());
        OutputLayout layout = new OutputLayout(out);
        assertTrue(layout.committed(0) && layout.committed(1));
        assertFalse(layout.committed(2));
        // partition 3 may have been started on the freed core (and even finished) before the abort reached it
        boolean lastDone = layout.committed(3);
        FileTime before = Files.getLastModifiedTime(layout.answers(0));

        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BatchJob.Summary s = run(spec(out), "local[2]", 4, progress);
        assertEquals(lastDone ? 3 : 2, s.skippedPartitions());
        assertEquals(lastDone ? 3 : 4, s.answered(), "only the items of the unfinished partitions are answered again");
        assertTrue(progress.toString().contains("resuming, " + (lastDone ? 7 : 6) + " of 10"), progress.toString());
        assertEquals(before, Files.getLastModifiedTime(layout.answers(0)), "committed partitions are not rewritten");
        BatchFixtures.assertAnswers(out, items, expected);
    }

    @Test
    void badItemsGoToTheErrorsFileAndTheJobGoesOn() throws Exception {
        Path media = Files.createDirectories(tmp.resolve("bad-media"));
        Files.writeString(media.resolve("corrupt.png"), "this is not a PNG");
        Files.copy(BatchFixtures.golden().resolve("img_tiny_30x30.png"), media.resolve("good.png"));
        Path questions = tmp.resolve("bad.jsonl");
        Files.write(questions, List.of(
                "{\"question_id\": 1, \"image\": \"good.png\", \"text\": \"What is it?\"}",
                "{\"question_id\": 2, \"image\": \"missing.png\", \"text\": \"What is it?\"}",
                "{\"question_id\": 3, \"image\": \"corrupt.png\", \"text\": \"What is it?\"}",
                "{\"question_id\": 4, \"text\": \"" + "word ".repeat(5000) + "\"}",
                "{\"question_id\": 5, \"image\": \"good.png\", \"text\": \"And now?\"}"));
        List<BatchItem> bad = BatchInput.read(questions, media, null);
        Path out = tmp.resolve("bad-out");
        BatchJob.Summary s = BatchJob.run(spec(out), bad, 2, "local[2]", 1, BatchFixtures.TEST_CONF, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(2, s.answered());
        assertEquals(3, s.errors());
        List<JsonNode> answers = BatchFixtures.answerRows(out);
        assertEquals(List.of(1, 5), answers.stream().map(r -> r.get("question_id").asInt()).toList());
        List<String> errors = Files.readAllLines(out.resolve("errors.jsonl"));
        assertEquals(3, errors.size());
        Map<Integer, String> reasons = new java.util.HashMap<>();
        for (String e : errors) {
            JsonNode row = Json.MAPPER.readTree(e);
            reasons.put(row.get("question_id").asInt(), row.get("reason").asText());
        }
        assertTrue(reasons.get(2).contains("not found"), reasons.get(2));
        assertTrue(reasons.get(3).contains("corrupt.png"), reasons.get(3));
        assertTrue(reasons.get(4).contains("the model's limit is 4096"), reasons.get(4));
    }

    @Test
    void anOutputFolderOfAnotherJobIsRefused() throws Exception {
        Path out = tmp.resolve("other-job");
        JobManifest.claim(new OutputLayout(out), "a-different-fingerprint", 10, 4);
        Exception e = assertThrows(IllegalArgumentException.class, () -> run(spec(out), "local[1]", 1, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("holds the output of a different job"), e.getMessage());
    }
}
