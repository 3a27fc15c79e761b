package io.llava4j.train.llava;

import io.llava4j.train.Param;
import io.llava4j.train.data.Example;
import io.llava4j.train.testing.TrainFixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Stage 2 with the whole language model trainable (no golden upstream): loss as stage 1, gradients by directional differences. */
class FullFineTuneTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");

    @Test
    void lossEqualsAndGradientsMatchDirectionalDifferences() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage2Full(2048))) {
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            double loss = m.forwardBackward(b, 1f);
            LlavaTrainGoldenTest.lossClose("full fine-tune loss (= stage-1 loss, same weights)", TrainFixtures.trainGolden().get("stage1_projector").get("loss").asDouble(), loss);
            // names, groups and decay flags as the seeds' optimizer groups
            assertEquals("mm_projector", m.param("model.mm_projector.0.weight").group);
            assertTrue(m.param("model.embed_tokens.weight").decay);
            assertFalse(m.param("model.norm.weight").decay);
            assertFalse(m.param("model.layers.0.input_layernorm.weight").decay);
            assertFalse(m.param("model.mm_projector.0.bias").decay);
            assertTrue(m.param("lm_head.weight").decay);
            Random r = new Random(8);
            for (String name : new String[] {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight",
                    "model.layers.1.post_attention_layernorm.weight", "model.norm.weight", "lm_head.weight"}) {
                Param p = m.param(name);
                float[] u = new float[p.size()];
                double gu = 0, un = 0;
                for (int i = 0; i < u.length; i++) { u[i] = (float) r.nextGaussian(); un += u[i] * u[i]; }
                for (int i = 0; i < u.length; i++) { u[i] /= (float) Math.sqrt(un); gu += (double) u[i] * p.grad[i]; }
                float eps = 1e-2f;
                float[] keep = p.data.clone();
                for (int i = 0; i < u.length; i++) p.data[i] = keep[i] + eps * u[i];
                double lp = m.loss(b);
                for (int i = 0; i < u.length; i++) p.data[i] = keep[i] - eps * u[i];
                double lm = m.loss(b);
                System.arraycopy(keep, 0, p.data, 0, keep.length);
                double fd = (lp - lm) / (2 * eps);
                System.out.printf("[fd] full fine-tune %-50s directional %.6e analytic %.6e%n", name, fd, gu);
                assertEquals(gu, fd, 2e-2 * Math.abs(gu) + 2e-5, name);
            }
        }
    }

    @Test
    void loraDropoutTrainsDeterministically() {
        TrainSetup s = TrainSetup.stage2Lora(4, 8, 0.1f, 2048);
        double[] losses = new double[2];
        float[][] g = new float[2][];
        for (int k = 0; k < 2; k++) {
            try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, s)) {
                m.initLora(3);
                for (Param p : m.loraParams()) if (p.name.endsWith("lora_B.weight")) for (int i = 0; i < p.size(); i++) p.data[i] = 0.05f * ((i % 7) - 3);
                m.setSeed(11, 0);
                losses[k] = m.forwardBackward(LlavaTrainGoldenTest.batch(m), 1f);
                g[k] = m.loraParams().get(0).grad.clone();
            }
        }
        assertEquals(losses[0], losses[1]);
        assertArrayEquals(g[0], g[1]);
    }
}
