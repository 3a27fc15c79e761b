package io.llava4j.train.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TrainRunnerTest {

    /** Options as the CLI builds them; {@code stage1}/{@code lora}/{@code version}/{@code parts} vary per case. */
    static TrainOptions options(Path tmp, boolean stage1, boolean lora, String version, String parts, String scheduler) throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Path data = tmp.resolve("data.json");
        if (!Files.exists(data)) Files.writeString(data, "[]");
        return new TrainOptions(model, version, data, null, stage1, null, lora, 8, 16, 0.05, 0.3, parts, null, 0.2,
                2, 4, 2, 0.1, scheduler, 512, "square", false, 0.01, 1.0, -1, tmp.resolve("out"), 3, 0, 1, 7,
                tmp.resolve("out/log.jsonl"), false);
    }

    @Test
    void runsTheLoopOnWhatTheSetupPreparesWithTheOptionsMapped(@TempDir Path tmp) throws Exception {
        TrainOptions o = options(tmp, false, false, "v1", null, "cosine");
        TrainingSetup toy = opts -> new TrainingSetup.Prepared<>(new ToyRegression(6, 2, 1), ToyRegression.data(40, 6, 2, 2),
                null, dir -> Files.writeString(dir.resolve("model.txt"), "saved"), "toy regression");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Trainer.Result r = TrainRunner.run(o, toy, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        // 40 samples / batch 4 = 10 micro-batches, / accumulation 2 = 5 steps per epoch, 2 epochs
        assertEquals(10, r.totalSteps());
        assertEquals(10, Files.readAllLines(tmp.resolve("out/log.jsonl")).size());
        assertTrue(out.contains("llava4j: toy regression"), out);
        assertTrue(out.contains("40 samples, 14 trainable parameters, 10 optimizer steps (5 per epoch)"), out);
        assertTrue(out.matches("(?s).*tokens/s, peak heap \\d+ MiB, peak RSS .*"), out);
        assertEquals("saved", Files.readString(tmp.resolve("out/model.txt")));            // final save
        assertEquals("saved", Files.readString(tmp.resolve("out/checkpoint-9/model.txt"))); // save_steps 3
        TrainerConfig c = o.trainerConfig();
        assertEquals(0.3, c.groupLearningRates().get("mm_projector"));
        assertEquals(LrSchedule.COSINE, c.schedule());
    }

    @Test
    void badOptionsFailWithTheFlagNamed(@TempDir Path tmp) throws Exception {
        assertMessage("--lora_enable", options(tmp, true, true, "v1", null, "linear"));
        assertMessage("--version", options(tmp, false, false, "v99", null, "linear"));
        assertMessage("--mm_tunable_parts", options(tmp, false, false, "v1", "mm_vision_tower,mm_brain", "linear"));
        assertMessage("lr_scheduler_type", options(tmp, false, false, "v1", null, "polynomial"));
        TrainOptions ok = options(tmp, false, false, "plain", "mm_vision_tower,mm_mlp_adapter,mm_language_model", "constant");
        ok.validate();
        TrainOptions noData = new TrainOptions(ok.modelNameOrPath(), "v1", tmp.resolve("missing.json"), null, false, null, false, 8, 16, 0.05,
                null, null, null, 1e-3, 1, 1, 1, 0, "linear", 512, "square", false, 0, 1, -1, tmp.resolve("o"), 0, 0, 1, 1, null, false);
        assertMessage("--data_path", noData);
    }

    private static void assertMessage(String fragment, TrainOptions o) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, o::validate);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
