package io.llava4j.train.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.train.Param;
import io.llava4j.train.data.ConversationPreprocessor;
import io.llava4j.train.data.Example;
import io.llava4j.train.data.LlavaDataset;
import io.llava4j.train.data.LlavaJson;
import io.llava4j.train.data.TokenizerFlags;
import io.llava4j.train.optim.AdamW;
import io.llava4j.train.testing.TrainFixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The training goldens of fixture llava-1.5-tiny-train: losses, stage-1 projector gradients, stage-2 LoRA + projector
 * gradients, three AdamW steps. Everything within 1e-4 relative; the max differences are printed as [diff] lines.
 */
class LlavaTrainGoldenTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");
    static final Path TRAIN = TrainFixtures.train();
    static final JsonNode G = TrainFixtures.trainGolden();
    static final double TOL = 1e-4;

    static List<Example> batch(LlavaTrainModel m) {
        ConversationPreprocessor pre = new ConversationPreprocessor(m.tokenizer(), "v1", TokenizerFlags.legacy(MODEL), 2048);
        LlavaDataset ds = new LlavaDataset(LlavaJson.read(TRAIN.resolve("llava_train_samples.json")), pre, m.imageProcessor(), "pad", TRAIN);
        assertTrue(ds.scan().isClean());
        return List.of(ds.get(0), ds.get(1));
    }

    static void lossClose(String what, double want, double got) {
        double rel = Math.abs(got - want) / Math.abs(want);
        System.out.printf("[diff] %-70s got %.9f want %.9f rel %.3e%n", what, got, want, rel);
        assertTrue(rel < TOL, what + ": " + got + " vs " + want);
    }

    static void gradsClose(LlavaTrainModel m, JsonNode grads, String folder) {
        for (JsonNode g : grads) {
            String name = g.get("name_original_layout").asText();
            Param p = m.param(name);
            float[] want = TrainFixtures.npy(TRAIN.resolve(g.get("npy").asText()));
            double rel = TrainFixtures.diff(folder + " grad " + name, p.grad, want);
            assertTrue(rel < TOL, name + " grad relative diff " + rel);
        }
    }

    @Test
    void splicedLabelsAndSequenceLengths() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            List<Example> b = batch(m);
            assertEquals(16, m.tokensPerImage());
            for (int i = 0; i < 2; i++) {
                JsonNode s = G.get("samples").get(i);
                int[] got = m.labelsAfterSplice(b.get(i));
                assertEquals(s.get("sequence_length_after_splice").asInt(), got.length);
                assertArrayEquals(TrainFixtures.ints(s.get("labels_after_splice")), got);
            }
            assertEquals(79 + 91, m.tokens(b));
        }
    }

    @Test
    void stage1LossAndProjectorGradients() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            List<Example> b = batch(m);
            assertEquals(4, m.params().size());
            JsonNode s1 = G.get("stage1_projector");
            double loss = m.forwardBackward(b, 1f);
            lossClose("stage1 loss", s1.get("loss").asDouble(), loss);
            assertEquals(s1.get("num_trained_label_positions").asInt(), m.lastSampleTokens()[0] + m.lastSampleTokens()[1]);
            gradsClose(m, s1.get("grads"), "stage1");
            // per-sample losses and gradient norms
            for (int i = 0; i < 2; i++) {
                JsonNode ps = s1.get("per_sample").get(i);
                m.params().forEach(Param::zeroGrad);
                double l = m.forwardBackward(List.of(b.get(i)), 1f);
                lossClose("stage1 per-sample loss " + ps.get("id").asText(), ps.get("loss").asDouble(), l);
                lossClose("golden samples[" + i + "].loss", G.get("samples").get(i).get("loss").asDouble(), l);
                ps.get("grad_norms").fields().forEachRemaining(e -> {
                    double norm = 0;
                    for (float v : m.param(e.getKey()).grad) norm += (double) v * v;
                    lossClose("stage1 per-sample grad norm " + ps.get("id").asText() + " " + e.getKey(), e.getValue().asDouble(), Math.sqrt(norm));
                });
            }
            // forward-only loss equals the training loss
            lossClose("stage1 loss (forward only)", s1.get("loss").asDouble(), m.loss(b));
        }
    }

    @Test
    void stage1WithoutRecomputationIsIdentical() {
        try (LlavaTrainModel a = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048));
             LlavaTrainModel c = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048).withRecompute(false))) {
            List<Example> b = batch(a);
            assertEquals(a.forwardBackward(b, 1f), c.forwardBackward(b, 1f));
            for (int i = 0; i < 4; i++) assertArrayEquals(a.params().get(i).grad, c.params().get(i).grad);
        }
    }

    @Test
    void plainTemplateLoss() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            ConversationPreprocessor pre = new ConversationPreprocessor(m.tokenizer(), "plain", false, 2048);
            LlavaDataset ds = new LlavaDataset(LlavaJson.read(TRAIN.resolve("llava_train_samples.json")), pre, m.imageProcessor(), "pad", TRAIN);
            double loss = m.forwardBackward(List.of(ds.get(0)), 1f);
            lossClose("plain_pretrain_format_sample0 loss", G.get("plain_pretrain_format_sample0").get("loss").asDouble(), loss);
        }
    }

    @Test
    void hfLayoutVocab32064Loss() {
        Path hf = TrainFixtures.dir("llava-1.5-tiny");
        try (LlavaTrainModel m = LlavaTrainModel.load(hf, TrainSetup.stage1(2048));
             LlavaTrainModel orig = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            double loss = m.forwardBackward(batch(orig), 1f);
            lossClose("stage1 loss, HF layout vocab 32064", G.get("stage1_projector").get("loss_with_hf_layout_vocab_32064").asDouble(), loss);
        }
    }

    @Test
    void adamwThreeSteps() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048))) {
            List<Example> b = batch(m);
            JsonNode a = G.get("stage1_projector").get("adamw");
            AdamW opt = new AdamW(m.params(), 0.9, 0.999, 1e-8, 0.0);
            for (int s = 0; s < 3; s++) {
                m.params().forEach(Param::zeroGrad);
                double loss = m.forwardBackward(b, 1f);
                lossClose("adamw loss_before_step[" + s + "]", a.get("loss_before_step").get(s).asDouble(), loss);
                opt.step(1e-3, Map.of());
            }
            lossClose("adamw loss_after_3_steps", a.get("loss_after_3_steps").asDouble(), m.loss(b));
            a.get("params_after_3_steps").fields().forEachRemaining(e -> {
                float[] want = TrainFixtures.npy(TRAIN.resolve(e.getValue().get("npy").asText()));
                double rel = TrainFixtures.diff("adamw after 3 steps " + e.getKey(), m.param(e.getKey()).data, want);
                assertTrue(rel < TOL, e.getKey() + " " + rel);
            });
        }
    }

    @Test
    void stage2LoraLossAndGradients() {
        JsonNode s2 = G.get("stage2_lora");
        TrainSetup setup = TrainSetup.stage2Lora(s2.get("r").asInt(), s2.get("alpha").asDouble(), 0f, 2048);
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, setup);
             WeightMap init = Checkpoints.openFile(TRAIN.resolve("lora_init.safetensors"))) {
            m.loadLora(init);
            assertEquals(4 + 2 * 7 * 2, m.params().size());
            double loss = m.forwardBackward(batch(m), 1f);
            lossClose("stage2 LoRA loss", s2.get("loss").asDouble(), loss);
            gradsClose(m, s2.get("grads"), "stage2");
        }
    }
}
