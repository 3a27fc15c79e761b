package io.llava4j.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** 40 samples, batch 3 (14 micro-batches per epoch), accumulation 3 (5 steps per epoch, the last with 2), 3 epochs. */
    static TrainerConfig toyConfig(Path out, boolean resume) {
        return TrainerConfig.builder(out).learningRate(0.2).mmProjectorLr(0.3).weightDecay(0.01).numTrainEpochs(3)
                .batchSize(3).gradientAccumulationSteps(3).warmupRatio(0.1).schedule(LrSchedule.COSINE).maxGradNorm(1.0)
                .seed(3).saveSteps(4).saveTotalLimit(2).logFile(out.resolve("log.jsonl")).resume(resume).build();
    }

    private static List<JsonNode> log(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add(JSON.readTree(l));
        return out;
    }

    private static Trainer.Result run(ToyRegression m, Path out, boolean resume) throws Exception {
        return new Trainer<>(m, ToyRegression.data(40, 6, 2, 2), toyConfig(out, resume), null, null, null, false).train();
    }

    @Test
    void stepsFollowEpochsBatchesAndAccumulationAndTheLogHasEveryField(@TempDir Path tmp) throws Exception {
        ToyRegression m = new ToyRegression(6, 2, 1);
        Trainer.Result r = run(m, tmp, false);
        assertEquals(15, r.totalSteps());
        List<JsonNode> log = log(tmp.resolve("log.jsonl"));
        assertEquals(15, log.size());
        long warmup = 2; // ceil(0.1 * 15)
        for (int i = 0; i < 15; i++) {
            JsonNode n = log.get(i);
            assertEquals(i + 1, n.get("step").asLong());
            // micro-batches of 3 samples x 6 inputs; the 5th step of each epoch has 2 micro-batches, the second of 1 sample
            long expectedTokens = (i % 5 == 4) ? (3 + 1) * 6 : 9 * 6;
            assertEquals(expectedTokens, n.get("tokens").asLong(), "tokens of step " + (i + 1));
            assertEquals(0.2 * LrSchedule.COSINE.factor(i, warmup, 15), n.get("learning_rate").asDouble(), 1e-15);
            assertTrue(n.get("grad_norm").asDouble() > 0);
            assertTrue(n.get("seconds").asDouble() >= 0);
            assertTrue(n.has("loss"));
        }
        assertEquals(0.0, log.get(0).get("learning_rate").asDouble(), "HF's first step runs at factor(0) = 0 with warmup");
        double first = 0, last = 0;
        for (int i = 0; i < 5; i++) {
            first += log.get(i).get("loss").asDouble();
            last += log.get(10 + i).get("loss").asDouble();
        }
        assertTrue(last < 0.5 * first, "loss did not fall: " + log);
        // checkpoints at 4, 8, 12; only the newest two kept
        assertFalse(Files.exists(tmp.resolve("checkpoint-4")));
        assertTrue(Files.isRegularFile(tmp.resolve("checkpoint-8/trainable.safetensors")));
        assertTrue(Files.isRegularFile(tmp.resolve("checkpoint-12/optimizer.bin")));
        assertEquals(12, Checkpoints.stepOf(Checkpoints.latest(tmp).orElseThrow()));
    }

    @Test
    void killAndResumeGivesTheSameLossesAsAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        ToyRegression straight = new ToyRegression(6, 2, 1);
        run(straight, tmp.resolve("a"), false);

        ToyRegression crashing = new ToyRegression(6, 2, 1);
        crashing.failAtCall = 31; // during step 11: after the checkpoint at step 8, with steps 9 and 10 logged
        assertThrows(IllegalStateException.class, () -> run(crashing, tmp.resolve("b"), false));
        assertEquals(10, log(tmp.resolve("b/log.jsonl")).size());
        Files.createDirectories(tmp.resolve("b/.tmp-checkpoint-12-123")); // a checkpoint a kill left half-written
        ToyRegression resumed = new ToyRegression(6, 2, 1); // fresh process: initial weights again
        Trainer.Result r = run(resumed, tmp.resolve("b"), true);
        assertEquals(8, r.startStep());
        assertFalse(Files.exists(tmp.resolve("b/.tmp-checkpoint-12-123")));

        List<JsonNode> a = log(tmp.resolve("a/log.jsonl")), b = log(tmp.resolve("b/log.jsonl"));
        assertEquals(a.size(), b.size());
        double maxDiff = 0;
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("step").asLong(), b.get(i).get("step").asLong());
            for (String f : List.of("loss", "grad_norm", "learning_rate")) {
                maxDiff = Math.max(maxDiff, Math.abs(a.get(i).get(f).asDouble() - b.get(i).get(f).asDouble()));
                assertEquals(a.get(i).get(f).asDouble(), b.get(i).get(f).asDouble(), 0.0, f + " of step " + (i + 1));
            }
        }
        System.out.println("[diff] resumed vs uninterrupted losses, grad norms, lrs: " + maxDiff);
        assertArrayEquals(straight.w.data, resumed.w.data);
        assertArrayEquals(straight.b.data, resumed.b.data);
    }

    @Test
    void sigkillOfATrainingProcessThenResumeMatchesTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        ToyRegression straight = new ToyRegression(6, 2, 1);
        run(straight, tmp.resolve("a"), false);
        Path out = tmp.resolve("b");
        Process p = child(out, false, 120); // ~0.36 s per step: a kill window of about 2 s after checkpoint-8
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Path logFile = out.resolve("log.jsonl");
        while (!(Files.isDirectory(out.resolve("checkpoint-8")) && Files.exists(logFile) && Files.readAllLines(logFile).size() >= 9)) {
            assertTrue(p.isAlive(), "the training process ended before it could be killed");
            assertTrue(System.nanoTime() < deadline, "no checkpoint-8 within 120 s");
            Thread.sleep(20);
        }
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        int linesAtKill = Files.readAllLines(logFile).size();
        assertTrue(linesAtKill < 15, "killed too late: " + linesAtKill + " steps logged");
        Process q = child(out, true, 0);
        String childOut = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(q.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, q.exitValue(), childOut);
        assertTrue(childOut.contains("resuming from"), childOut);
        List<JsonNode> a = log(tmp.resolve("a/log.jsonl")), b = log(logFile);
        assertEquals(15, b.size());
        for (int i = 0; i < 15; i++) assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), 0.0, "loss of step " + (i + 1));
        System.out.println("[diff] SIGKILL at step " + linesAtKill + " and resume vs uninterrupted: 0 (losses identical)");
    }

    private static Process child(Path out, boolean resume, long sleepMillis) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ToyTrainingMain.class.getName(),
                out.toString(), String.valueOf(resume), String.valueOf(sleepMillis)).redirectErrorStream(true).start();
    }

    @Test
    void gradientAccumulationMatchesOneLargeBatch(@TempDir Path tmp) throws Exception {
        var data = ToyRegression.data(16, 4, 3, 5);
        int[][] shapes = {{8, 1}, {4, 2}, {2, 4}};
        float[] ref = null;
        double maxDiff = 0;
        for (int[] s : shapes) {
            ToyRegression m = new ToyRegression(4, 3, 9);
            m.noise = false; // differently cut batches then see the same inputs
            TrainerConfig c = TrainerConfig.builder(tmp.resolve(s[0] + "x" + s[1])).learningRate(0.01).batchSize(s[0])
                    .gradientAccumulationSteps(s[1]).numTrainEpochs(2).schedule(LrSchedule.CONSTANT).seed(1).build();
            Trainer.Result r = new Trainer<>(m, data, c, DataOrder.sequential(16), null, null, false).train();
            assertEquals(4, r.totalSteps());
            if (ref == null) ref = m.w.data.clone();
            else for (int i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - m.w.data[i]));
        }
        System.out.println("[diff] batch 8 vs 4x2 vs 2x4 accumulation, final weights: " + maxDiff);
        assertTrue(maxDiff < 1e-6, "max diff " + maxDiff);
    }

    @Test
    void projectorGroupGetsItsOwnLearningRateAndTheProgressIsPrinted(@TempDir Path tmp) throws Exception {
        ToyRegression m = new ToyRegression(6, 2, 1);
        float[] w0 = m.w.data.clone();
        TrainerConfig c = TrainerConfig.builder(tmp).learningRate(0).mmProjectorLr(0.1).batchSize(4).maxSteps(3)
                .schedule(LrSchedule.CONSTANT).loggingSteps(1).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Trainer<>(m, ToyRegression.data(40, 6, 2, 2), c, null, null, new PrintStream(bytes, true, StandardCharsets.UTF_8), false).train();
        assertArrayEquals(w0, m.w.data, "default group with lr 0 must not move");
        for (float v : m.b.data) assertNotEquals(0f, v, "the mm_projector group must move");
        String progress = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(3, progress.lines().count(), progress);
        assertTrue(progress.lines().allMatch(l -> l.matches("step \\d/3 loss [0-9.]+ lr .* tok/s ETA \\d+:\\d\\d:\\d\\d")), progress);
    }

    @Test
    void aFreshRunRefusesAFolderWithCheckpoints(@TempDir Path tmp) throws Exception {
        run(new ToyRegression(6, 2, 1), tmp, false);
        var e = assertThrows(IllegalArgumentException.class, () -> run(new ToyRegression(6, 2, 1), tmp, false));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }

    @Test
    void resumeRefusesACheckpointOfOtherSettings(@TempDir Path tmp) throws Exception {
        run(new ToyRegression(6, 2, 1), tmp, false);
        TrainerConfig other = TrainerConfig.builder(tmp).learningRate(0.05).batchSize(5).numTrainEpochs(3).saveSteps(4).resume(true).seed(3).build();
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer<>(new ToyRegression(6, 2, 1), ToyRegression.data(40, 6, 2, 2), other, null, null, null, false).train());
        assertTrue(e.getMessage().contains("batch_size"), e.getMessage());
    }
}
