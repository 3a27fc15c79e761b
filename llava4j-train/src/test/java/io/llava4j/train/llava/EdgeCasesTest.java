package io.llava4j.train.llava;

import io.llava4j.train.Param;
import io.llava4j.train.data.ConversationPreprocessor;
import io.llava4j.train.data.Encoded;
import io.llava4j.train.data.Example;
import io.llava4j.train.data.LlavaSample;
import io.llava4j.train.data.Turn;
import io.llava4j.train.testing.TrainFixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Text-only samples, fully masked samples and cuts through the image rows. */
class EdgeCasesTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");

    @Test
    void textOnlyAndMaskedSamplesAndCuts() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage2Lora(4, 8, 0f, 2048))) {
            m.initLora(1);
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            ConversationPreprocessor pre = new ConversationPreprocessor(m.tokenizer(), "v1", false, 2048);
            Encoded e = pre.encode(new LlavaSample(9, "text", List.of(), List.of(), List.of(new Turn("human", "Hi"), new Turn("gpt", "Hello there."))));
            Example text = Example.text("text", e.inputIds(), e.labels());
            double l = m.forwardBackward(List.of(text), 1f);
            assertTrue(Double.isFinite(l) && l > 0);
            // projector untouched by a text-only sample, LoRA trained
            for (Param p : m.params()) {
                double n = 0;
                for (float g : p.grad) n += g * g;
                if (p.name.contains("mm_projector")) assertEquals(0.0, n, p.name);
            }
            assertTrue(m.loraParams().stream().anyMatch(p -> { for (float g : p.grad) if (g != 0) return true; return false; }));

            // a fully masked sample adds nothing to the batch's mean: same loss as without it
            int[] masked = b.get(0).labels().clone();
            java.util.Arrays.fill(masked, -100);
            Example none = new Example("none", b.get(0).inputIds(), masked, b.get(0).images(), b.get(0).imageKeys());
            double with = m.loss(List.of(b.get(1), none)), without = m.loss(List.of(b.get(1)));
            assertEquals(without, with, 1e-9 * without);
            m.params().forEach(Param::zeroGrad);
            assertEquals(0.0, m.forwardBackward(List.of(none), 1f));
            assertTrue(Double.isNaN(m.lastSampleLosses()[0]));
            for (Param p : m.params()) for (float g : p.grad) assertEquals(0f, g);
        }
        // model_max_length cutting through the image rows: 36 rows before the image, cut at 40 keeps 4 image rows
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, new TrainSetup(true, null, false, false, true, 40, true))) {
            Example ex = LlavaTrainGoldenTest.batch(m).get(0);
            assertEquals(40, m.tokens(List.of(ex)));
            assertEquals(40, m.labelsAfterSplice(ex).length);
            assertEquals(0.0, m.forwardBackward(List.of(ex), 1f), "no trained label survives the cut");
        }
    }
}
