package io.llava4j.train.llava;

import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.model.llava.LlavaConfig;
import io.llava4j.train.Param;
import io.llava4j.train.data.Example;
import io.llava4j.train.testing.TrainFixtures;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The CLIP tower as a trainable part: same features as core's tower, same loss, gradients by directional differences. */
class TrainableVisionTowerTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");

    @Test
    void featuresLossAndProjectorGradientsEqualTheFrozenTower() {
        try (LlavaTrainModel frozen = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048));
             LlavaTrainModel trained = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048).withVisionTower(true))) {
            List<Example> b = LlavaTrainGoldenTest.batch(frozen);
            double lf = frozen.forwardBackward(b, 1f), lt = trained.forwardBackward(b, 1f);
            LlavaTrainGoldenTest.lossClose("trainable tower loss vs frozen tower loss", lf, lt);
            for (int i = 0; i < 4; i++) {
                Param a = frozen.params().get(i), c = trained.params().get(i);
                assertEquals(a.name, c.name);
                double rel = TrainFixtures.diff("projector grad with trainable tower " + a.name, c.grad, a.grad);
                assertTrue(rel < 1e-5);
            }
            // tower params exist and received gradient
            List<Param> tower = trained.params().subList(4, trained.params().size());
            assertTrue(tower.stream().anyMatch(p -> p.name.endsWith("embeddings.patch_embedding.weight")));
            for (Param p : tower) {
                double n = 0;
                for (float g : p.grad) n += g * g;
                assertTrue(n > 0, p.name + " got no gradient");
                assertFalse(p.name.contains("encoder.layers.2."), "layer 2 is above hidden_states[-2] and must not be trained: " + p.name);
            }
        }
    }

    @Test
    void towerGradientsAgainstDirectionalDifferences() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage1(2048).withVisionTower(true))) {
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            m.forwardBackward(b, 1f);
            Random r = new Random(4);
            for (Param p : m.params()) {
                if (!(p.name.contains("patch_embedding") || p.name.contains("class_embedding") || p.name.contains("position_embedding")
                        || p.name.contains("pre_layrnorm.weight") || p.name.contains("layers.0.self_attn.q_proj.weight")
                        || p.name.contains("layers.1.mlp.fc2.bias") || p.name.contains("layers.1.layer_norm2.weight"))) continue;
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
                System.out.printf("[fd] tower %-70s directional %.6e analytic %.6e%n", p.name, fd, gu);
                assertEquals(gu, fd, 2e-2 * Math.abs(gu) + 2e-5, p.name);
            }
        }
    }

    @Test
    void encoderForwardEqualsCoreTower() {
        try (WeightMap w = Checkpoints.open(MODEL)) {
            ClipVisionConfig vc = ClipVisionConfig.fromJson(io.llava4j.config.Json.read(TrainFixtures.dir("clip-vit-tiny-patch14-56").resolve("config.json")));
            String prefix = "model.vision_tower.vision_tower.vision_model.";
            ClipVisionTower core = new ClipVisionTower(vc, w, prefix, 3);
            ClipEncoderPath enc = new ClipEncoderPath(vc, w, prefix, 3, true, true);
            float[] px = new float[3 * 56 * 56];
            Random r = new Random(1);
            for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
            float[] px2 = new float[px.length];
            for (int i = 0; i < px2.length; i++) px2[i] = (float) r.nextGaussian();
            java.util.List<String> noKeys = java.util.Arrays.asList(null, null);
            for (int layer : new int[] {0, 1, 2, 3}) {
                ClipEncoderPath e = new ClipEncoderPath(vc, w, prefix, layer, true, true);
                float[] both = e.forward(List.of(px, px2), noKeys, false);
                int per = both.length / 2;
                double rel = TrainFixtures.diff("clip hidden_states[" + layer + "] vs core", java.util.Arrays.copyOf(both, per), core.hiddenState(px, layer));
                assertTrue(rel < 1e-5);
                // two images in one pass give each its own result, bit for bit
                assertArrayEquals(e.forward(List.of(px2), noKeys.subList(0, 1), false), java.util.Arrays.copyOfRange(both, per, 2 * per));
            }
            assertNotNull(enc);
            assertEquals(LlavaConfig.IMAGE_SENTINEL, -200);
        }
    }
}
