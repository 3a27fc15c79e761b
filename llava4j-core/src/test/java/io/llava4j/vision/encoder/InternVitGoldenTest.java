package io.llava4j.vision.encoder;

import io.llava4j.config.Json;
import io.llava4j.format.Npy;
import io.llava4j.format.SafetensorsFile;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

/** InternViT alone at 224 (native) and 336 (bicubic position interpolation): positions and layer -4. */
class InternVitGoldenTest {
    @ParameterizedTest
    @ValueSource(ints = {224, 336})
    void towerMatchesGoldens(int size) throws Exception {
        Path dir = Fixtures.dir("internvl-chat-tiny");
        Path tower = dir.resolve("InternViT-6B-224px-tiny"), g = dir.resolve("golden");
        InternVitTower.Config cfg = InternVitTower.Config.fromJson(Json.read(tower.resolve("config.json")));
        try (SafetensorsFile w = SafetensorsFile.open(tower.resolve("model.safetensors"))) {
            InternVitTower t = new InternVitTower(cfg, w, "", size, cfg.numLayers() - 3);
            float[] pos = t.positionEmbeddings();
            float[] patchPos = java.util.Arrays.copyOfRange(pos, cfg.hiddenSize(), pos.length);
            Diff.assertClose("InternViT " + size + " interpolated position embeddings", patchPos,
                    Npy.read(g.resolve("vit_pos_embed_interp_" + size + ".npy")).values(), 1e-5);
            float[] px = Npy.read(g.resolve("vit_input_" + size + ".npy")).floats();
            Diff.assertClose("InternViT " + size + " hidden_states[-4]", t.hiddenState(px, -4),
                    Npy.read(g.resolve("vit_selected_-4_" + size + ".npy")).values(), 1e-4);
        }
    }
}
