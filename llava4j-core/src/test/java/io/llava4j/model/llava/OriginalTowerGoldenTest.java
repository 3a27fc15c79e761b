package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.format.Npy;
import io.llava4j.format.SafetensorsFile;
import io.llava4j.testing.Fixtures;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** The standalone CLIP folder that mm_vision_tower names, on the pad-to-square pixels of the original pipeline. */
class OriginalTowerGoldenTest {
    @Test
    void standaloneClipTowerMatchesOriginalPipelineGoldens() throws Exception {
        Path clip = Fixtures.dir("clip-vit-tiny-patch14-56");
        Path orig = Fixtures.dir("llava-1.5-tiny-original-layout");
        JsonNode g = Fixtures.golden("llava-1.5-tiny-original-layout");
        ClipVisionConfig vc = ClipVisionConfig.fromJson(Json.read(clip.resolve("config.json")));
        try (SafetensorsFile w = SafetensorsFile.open(clip.resolve("model.safetensors"))) {
            ClipVisionTower tower = new ClipVisionTower(vc, w, "vision_model.", vc.numLayers() - 1);
            float[] pixels = Npy.read(orig.resolve("golden/orig_pixel_values_landscape_200x150.npy")).floats();
            float[] hs = tower.hiddenState(pixels, -2);
            LlavaForwardGoldenTest.checkStats("original tower selected layer", hs, g.get("vision_tower").get("selected_hidden_state"), 1e-4);
            float[] patches = java.util.Arrays.copyOfRange(hs, vc.hiddenSize(), hs.length);
            LlavaForwardGoldenTest.checkStats("original tower patch features", patches, g.get("vision_tower").get("patch_features"), 1e-4);
        }
    }
}
