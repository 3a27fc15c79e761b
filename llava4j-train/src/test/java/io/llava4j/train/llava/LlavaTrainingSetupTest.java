package io.llava4j.train.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.train.data.Example;
import io.llava4j.train.loop.StepRecord;
import io.llava4j.train.loop.TrainOptions;
import io.llava4j.train.loop.TrainRunner;
import io.llava4j.train.loop.Trainer;
import io.llava4j.train.loop.TrainingSetups;
import io.llava4j.train.testing.TrainFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The LLaVA graph run by the optimizer loop ({@code llava4j train}'s path), against the AdamW golden and across a resume. */
class LlavaTrainingSetupTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");
    static final Path TRAIN = TrainFixtures.train();

    static TrainOptions options(Path out, boolean stage1, boolean lora, String parts, long maxSteps, long saveSteps, boolean resume, boolean group) {
        return new TrainOptions(MODEL, "v1", TRAIN.resolve("llava_train_samples.json"), TRAIN, stage1, null, lora, 4, 8, 0.0,
                null, parts, null, 1e-3, 1, 2, 1, 0.0, "constant", 2048, "pad", group, 0.0, 0.0, maxSteps, out, saveSteps, 0, 1,
                7, null, resume);
    }

    @Test
    void stage1ThroughTheLoopReproducesTheAdamwGolden(@TempDir Path tmp) throws Exception {
        JsonNode a = TrainFixtures.trainGolden().get("stage1_projector").get("adamw");
        Trainer.Result r = TrainRunner.run(options(tmp.resolve("out"), true, false, null, 3, 0, false, false), TrainingSetups.llava(), System.out);
        List<StepRecord> steps = r.steps();
        assertEquals(3, steps.size());
        for (int s = 0; s < 3; s++) LlavaTrainGoldenTest.lossClose("loop step " + (s + 1) + " loss", a.get("loss_before_step").get(s).asDouble(), steps.get(s).loss());
        Path out = tmp.resolve("out");
        assertTrue(Files.isRegularFile(out.resolve("mm_projector.safetensors")));
        try (WeightMap w = Checkpoints.openFile(out.resolve("mm_projector.safetensors"))) {
            a.get("params_after_3_steps").fields().forEachRemaining(e -> {
                float[] want = TrainFixtures.npy(TRAIN.resolve(e.getValue().get("npy").asText()));
                double rel = TrainFixtures.diff("loop: " + e.getKey() + " after 3 steps", w.get(e.getKey()).toFloatArray(), want);
                assertTrue(rel < 1e-4);
            });
        }
        // the output folder is a model the engine loads, with the trained projector
        try (VisionLanguageModel vlm = ModelRegistry.load(out, LoadOptions.defaults());
             LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            LlavaTrainGoldenTest.lossClose("engine loss of the trained output folder", a.get("loss_after_3_steps").asDouble(), ExportTest.engineLoss(vlm, m, b));
        }
    }

    @Test
    void loraRunResumedFromACheckpointGivesTheSameLosses(@TempDir Path tmp) throws Exception {
        // an uninterrupted run of 4 steps with a checkpoint every 2; then a fresh process-like start from a copy that
        // holds only checkpoint-2 (as if killed during step 3) resumes and must give steps 3 and 4 bit for bit
        Trainer.Result full = TrainRunner.run(options(tmp.resolve("a"), false, true, null, 4, 2, false, true), TrainingSetups.llava(), null);
        Path b = tmp.resolve("b");
        copyTree(tmp.resolve("a/checkpoint-2"), b.resolve("checkpoint-2"));
        Trainer.Result resumed = TrainRunner.run(options(b, false, true, null, 4, 2, true, true), TrainingSetups.llava(), null);
        assertEquals(2, resumed.startStep());
        assertEquals(2, resumed.steps().size());
        for (int s = 0; s < 2; s++) assertEquals(full.steps().get(2 + s).loss(), resumed.steps().get(s).loss(), 0.0, "step " + (3 + s));
        assertTrue(Files.isRegularFile(tmp.resolve("a/adapter/adapter_config.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("a/model.safetensors")));
    }

    static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    @Test
    void missingImagesFailBeforeTraining(@TempDir Path tmp) throws Exception {
        Path data = Files.writeString(tmp.resolve("d.json"), "[{\"id\": \"a\", \"image\": \"nope.png\", \"conversations\": "
                + "[{\"from\": \"human\", \"value\": \"<image>\\nHi\"}, {\"from\": \"gpt\", \"value\": \"Hello.\"}]}]");
        TrainOptions o = new TrainOptions(MODEL, "v1", data, TRAIN, false, null, false, 4, 8, 0.0, null, null, null, 1e-3, 1, 1, 1, 0.0,
                "constant", 2048, "pad", false, 0.0, 0.0, 1, tmp.resolve("o"), 0, 0, 1, 7, null, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainRunner.run(o, TrainingSetups.llava(), null));
        assertTrue(e.getMessage().contains("nope.png"), e.getMessage());
    }

    @Test
    void hfLayoutTokenizationDriftIsReported() {
        // llava-hf checkpoints: the seeds' chunked tokenization puts a dummy-prefix id (29871) after the image that the HF
        // processor does not; the original layout uses the chunked tokenization at inference too
        try (LlavaTrainModel hf = LlavaTrainModel.load(TrainFixtures.dir("llava-1.5-tiny"), TrainSetup.stage1(2048));
             LlavaTrainModel orig = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            for (LlavaTrainModel m : List.of(hf, orig)) {
                var pre = new io.llava4j.train.data.ConversationPreprocessor(m.tokenizer(), "v1", false, 2048);
                var ds = new io.llava4j.train.data.LlavaDataset(io.llava4j.train.data.LlavaJson.read(TRAIN.resolve("llava_train_samples.json")),
                        pre, m.imageProcessor(), "pad", TRAIN);
                String drift = LlavaTrainingSetup.inferenceDrift(m, ds, pre);
                if (m == hf) assertTrue(drift != null && drift.contains("tiny-000"), String.valueOf(drift));
                else assertNull(drift);
            }
        }
    }

    @Test
    void tunablePartsSelectTheTower() {
        TrainSetup s = LlavaTrainingSetup.setup(options(Path.of("x"), false, false, "mm_vision_tower,mm_mlp_adapter,mm_language_model", 1, 0, false, false));
        assertTrue(s.trainVisionTower() && s.trainProjector() && s.fullLm());
        TrainSetup l = LlavaTrainingSetup.setup(options(Path.of("x"), false, true, "mm_mlp_adapter,mm_language_model", 1, 0, false, false));
        assertNotNull(l.lora());
        assertFalse(l.fullLm());
        assertThrows(IllegalArgumentException.class, () -> LlavaTrainingSetup.setup(options(Path.of("x"), false, true, "mm_vision_tower", 1, 0, false, false)));
    }
}
