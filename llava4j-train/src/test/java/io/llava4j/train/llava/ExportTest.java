package io.llava4j.train.llava;

import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderLm;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import io.llava4j.train.Param;
import io.llava4j.train.data.ConversationPreprocessor;
import io.llava4j.train.data.Example;
import io.llava4j.train.data.LlavaJson;
import io.llava4j.train.data.LlavaSample;
import io.llava4j.train.optim.AdamW;
import io.llava4j.train.testing.TrainFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Trained parts written in the seeds' formats and loaded back, by the training graph and by the inference engine. */
class ExportTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");
    static final Path TRAIN = TrainFixtures.train();

    static void train(LlavaTrainModel m, List<Example> b, int steps) {
        AdamW opt = AdamW.withDefaults(m.params(), 0f);
        for (int s = 0; s < steps; s++) {
            m.params().forEach(Param::zeroGrad);
            m.forwardBackward(b, 1f);
            opt.step(2e-2, Map.of());
        }
    }

    /**
     * The loss of the fixture batch as the inference engine computes it: the v1 prompt with answers through the model's
     * processor (tokenizer_image_token, pad-to-square pixels, tower, projector, splice), all logits, cross-entropy
     * against the spliced, shifted labels, mean over the batch's trained tokens.
     */
    static double engineLoss(VisionLanguageModel vlm, LlavaTrainModel labels, List<Example> batch) {
        ConversationPreprocessor pre = new ConversationPreprocessor(vlm.tokenizer(), "v1", false, 2048);
        List<LlavaSample> samples = LlavaJson.read(TRAIN.resolve("llava_train_samples.json"));
        DecoderLm lm = vlm.languageModel();
        int V = lm.config().vocabSize();
        double total = 0;
        int count = 0;
        for (int i = 0; i < batch.size(); i++) {
            RgbImage img = ImageDecoder.decode(TRAIN.resolve(samples.get(i).images().getFirst()));
            MultimodalPrompt mp = vlm.prepare(pre.prompt(samples.get(i)), List.of(img), List.of());
            int[] lab = labels.labelsAfterSplice(batch.get(i));
            assertEquals(lab.length, mp.length());
            int n = mp.length();
            float[] logits = lm.forward(mp.embeddings(lm), n, lm.newCache(n), true);
            for (int t = 0; t + 1 < n; t++) {
                int y = lab[t + 1];
                if (y < 0) continue;
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int v = 0; v < V; v++) max = Math.max(max, logits[t * V + v]);
                for (int v = 0; v < V; v++) sum += Math.exp(logits[t * V + v] - max);
                total += max + Math.log(sum) - logits[t * V + y];
                count++;
            }
        }
        return total / count;
    }

    @Test
    void engineComputesTheTrainingLossOfTheBaseModel() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048));
             VisionLanguageModel vlm = ModelRegistry.load(MODEL, LoadOptions.defaults())) {
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            LlavaTrainGoldenTest.lossClose("engine loss of the base model vs training graph", m.loss(b), engineLoss(vlm, m, b));
        }
    }

    @Test
    void mergedCheckpointAfterLoraAndProjectorTraining(@TempDir Path tmp) throws Exception {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage2Lora(4, 8, 0f, 2048))) {
            m.initLora(1);
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            double before = m.loss(b);
            train(m, b, 3);
            double after = m.loss(b);
            assertTrue(after < before - 0.05, "training moved the loss: " + before + " -> " + after);
            Path merged = tmp.resolve("merged");
            LlavaExport.saveMerged(m, merged, DType.F32);
            assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")));
            assertTrue(Files.isRegularFile(merged.resolve("tokenizer.model")));
            assertTrue(Files.isRegularFile(merged.resolve("clip-vit-tiny-patch14-56/config.json")), "tower config copied where mm_vision_tower points");
            try (LlavaTrainModel back = LlavaTrainModel.load(merged, TrainSetup.stage1(2048));
                 VisionLanguageModel vlm = ModelRegistry.load(merged, LoadOptions.defaults())) {
                LlavaTrainGoldenTest.lossClose("merged checkpoint, training graph", after, back.loss(b));
                LlavaTrainGoldenTest.lossClose("merged checkpoint, inference engine", after, engineLoss(vlm, m, b));
            }
            // F16 output: close, not equal
            Path half = tmp.resolve("merged16");
            LlavaExport.saveMerged(m, half, DType.F16);
            try (VisionLanguageModel vlm = ModelRegistry.load(half, LoadOptions.defaults())) {
                assertEquals(after, engineLoss(vlm, m, b), 2e-3 * after);
            }
        }
    }

    @Test
    void peftAdapterFolderLoadsInTheEngine(@TempDir Path tmp) throws Exception {
        // projector frozen: the engine's --lora applies the adapter to the base checkpoint, projector included as is
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage2Lora(4, 8, 0.05f, 2048).withProjector(false))) {
            m.initLora(2);
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            train(m, b, 3);
            double after = m.loss(b);
            Path peft = tmp.resolve("lora");
            LlavaExport.savePeftAdapter(m, peft, DType.F32);
            assertTrue(Files.isRegularFile(peft.resolve("adapter_config.json")));
            assertFalse(Files.exists(peft.resolve("non_lora_trainables.safetensors")), "nothing but LoRA was trained");
            try (WeightMap w = Checkpoints.openFile(peft.resolve("adapter_model.safetensors"))) {
                assertTrue(w.has("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
                assertEquals(2 * 7 * 2, w.names().size());
            }
            try (VisionLanguageModel vlm = ModelRegistry.load(MODEL, new LoadOptions(null, peft, null))) {
                LlavaTrainGoldenTest.lossClose("PEFT adapter on the base, inference engine", after, engineLoss(vlm, m, b));
            }
            // and the adapter reloads into a fresh training graph
            try (LlavaTrainModel again = LlavaTrainModel.load(MODEL, TrainSetup.stage2Lora(4, 8, 0f, 2048).withProjector(false));
                 WeightMap w = Checkpoints.openFile(peft.resolve("adapter_model.safetensors"))) {
                again.loadLora(w);
                LlavaTrainGoldenTest.lossClose("PEFT adapter reloaded for training", after, again.loss(b));
            }
        }
        // with the projector trained too, it goes to non_lora_trainables under base_model.model.*
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage2Lora(4, 8, 0f, 2048))) {
            Path peft = tmp.resolve("lora2");
            LlavaExport.savePeftAdapter(m, peft, DType.F16);
            try (WeightMap w = Checkpoints.openFile(peft.resolve("non_lora_trainables.safetensors"))) {
                assertEquals(List.of("base_model.model.model.mm_projector.0.bias", "base_model.model.model.mm_projector.0.weight",
                        "base_model.model.model.mm_projector.2.bias", "base_model.model.model.mm_projector.2.weight"), new ArrayList<>(new java.util.TreeSet<>(w.names())));
                assertEquals(DType.F16, w.get("base_model.model.model.mm_projector.0.weight").dtype());
            }
        }
    }

    @Test
    void projectorFileAndTrainedTowerMerge(@TempDir Path tmp) throws Exception {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048).withVisionTower(true))) {
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            train(m, b, 2);
            double after = m.loss(b);
            Path proj = tmp.resolve("mm_projector.safetensors");
            LlavaExport.saveProjector(m, proj, DType.F32);
            try (WeightMap w = Checkpoints.openFile(proj)) {
                assertEquals(4, w.names().size());
                assertArrayEquals(m.param("model.mm_projector.2.bias").data, w.get("model.mm_projector.2.bias").toFloatArray());
            }
            Path merged = tmp.resolve("merged");
            LlavaExport.saveMerged(m, merged, DType.F32);
            try (VisionLanguageModel vlm = ModelRegistry.load(merged, LoadOptions.defaults())) {
                LlavaTrainGoldenTest.lossClose("merged checkpoint with a trained tower, inference engine", after, engineLoss(vlm, m, b));
            }
        }
    }
}
