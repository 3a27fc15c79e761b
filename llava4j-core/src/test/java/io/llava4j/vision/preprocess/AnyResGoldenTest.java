package io.llava4j.vision.preprocess;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Npy;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** LLaVA-NeXT anyres pixels (every tile, base first), image sizes and token counts against the HF processor. */
class AnyResGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"llava-next-vicuna-tiny", "llava-next-mistral-tiny"})
    void tilesMatchTheHfProcessor(String fixture) throws Exception {
        Path dir = Fixtures.dir(fixture);
        JsonNode g = Fixtures.golden(fixture);
        List<int[]> pins = new ArrayList<>();
        for (JsonNode p : g.get("image_grid_pinpoints")) pins.add(new int[] {p.get(0).asInt(), p.get(1).asInt()});
        ClipImageProcessor proc = ClipImageProcessor.load(dir.resolve("preprocessor_config.json"));
        for (Map.Entry<String, JsonNode> e : g.get("image_preprocessing").properties()) {
            RgbImage img = ImageDecoder.decode(dir.resolve("golden/img_" + e.getKey() + ".png"));
            List<RgbImage> tiles = AnyRes.tiles(img, pins, 56, 56, 56, PilResize.Filter.BICUBIC);
            int n = tiles.size() * 3 * 56 * 56;
            float[] all = new float[n];
            for (int t = 0; t < tiles.size(); t++) System.arraycopy(proc.preprocess(tiles.get(t)).data(), 0, all, t * 3 * 56 * 56, 3 * 56 * 56);
            JsonNode pv = e.getValue().get("pixel_values");
            assertEquals(pv.get("shape").get(1).asInt(), tiles.size(), e.getKey() + " tiles");
            double sum = 0;
            for (float v : all) sum += v;
            Diff.assertClose(fixture + " " + e.getKey() + " pixel sum", sum, pv.get("sum").asDouble(), 1e-2);
            if (e.getValue().has("full_npy")) {
                Diff.assertClose(fixture + " " + e.getKey() + " all tiles", all,
                        Npy.read(dir.resolve("golden").resolve(e.getValue().get("full_npy").asText())).values(), 1e-5);
            }
            if (e.getValue().has("num_image_tokens")) {
                int tokens = AnyRes.packedLength(img.height(), img.width(), pins, 56, 4);
                assertEquals(e.getValue().get("num_image_tokens").asInt(), tokens, e.getKey() + " image tokens");
            }
        }
    }
}
