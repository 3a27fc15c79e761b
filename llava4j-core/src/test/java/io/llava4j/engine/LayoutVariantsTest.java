package io.llava4j.engine;

import io.llava4j.format.Checkpoints;
import io.llava4j.format.Npy;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same weights under every accepted spelling/location give the golden logits. */
class LayoutVariantsTest {
    @TempDir Path tmp;

    /** Copies the non-weight files of a fixture, and writes its weights renamed/filtered as safetensors. */
    Path variant(String fixture, String folder, UnaryOperator<String> rename) throws Exception {
        Path src = Fixtures.dir(fixture), dst = tmp.resolve(folder);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String n = p.getFileName().toString();
                if (!n.endsWith(".safetensors") && !n.endsWith(".bin")) Files.copy(p, dst.resolve(n));
            }
        }
        try (WeightMap w = Checkpoints.open(src)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String n : w.names()) {
                String r = rename.apply(n);
                if (r != null) out.put(r, w.get(n));
            }
            SafetensorsWriter.write(dst.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        return dst;
    }

    void assertGoldenLogits(Path model, String fixture, LoadOptions opts) throws Exception {
        JsonNode g = Fixtures.golden(fixture);
        Path gd = Fixtures.dir(fixture).resolve("golden");
        try (VisionLanguageModel m = ModelRegistry.load(model, opts)) {
            MultimodalPrompt p = m.prepare(g.get("prompt").get("text").asText(),
                    List.of(ImageDecoder.decode(gd.resolve("img_landscape_200x150.png"))), List.of());
            float[] logits = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
            double[] gold = Npy.read(gd.resolve(g.get("forward").get("last_logits_file").asText())).values();
            float[] head = java.util.Arrays.copyOf(logits, gold.length);
            Diff.assertClose(model.getFileName() + " logits", head, gold, 1e-4);
        }
    }

    @Test
    void newerTransformersKeySpelling() throws Exception {
        Path m = variant("llava-1.5-tiny", "llava-newer-keys", n -> n
                .replaceFirst("^language_model\\.model\\.", "model.language_model.")
                .replaceFirst("^language_model\\.lm_head\\.", "lm_head.")
                .replaceFirst("^vision_tower\\.", "model.vision_tower.")
                .replaceFirst("^multi_modal_projector\\.", "model.multi_modal_projector."));
        assertGoldenLogits(m, "llava-1.5-tiny", LoadOptions.defaults());
    }

    @Test
    void originalLayoutWithoutTowerLoadsItFromMmVisionTower() throws Exception {
        // released liuhaotian checkpoints do not contain the tower: it comes from the sibling folder named by mm_vision_tower
        Files.createDirectories(tmp);
        copyDir(Fixtures.dir("clip-vit-tiny-patch14-56"), tmp.resolve("clip-vit-tiny-patch14-56"));
        Path m = variant("llava-1.5-tiny-original-layout", "orig-no-tower", n -> n.startsWith("model.vision_tower.") ? null : n);
        assertGoldenLogits(m, "llava-1.5-tiny-original-layout", LoadOptions.defaults());
        // --vision-tower overrides, as an absolute path elsewhere
        Path elsewhere = tmp.resolve("x/y/tower");
        copyDir(Fixtures.dir("clip-vit-tiny-patch14-56"), elsewhere);
        Files.move(tmp.resolve("clip-vit-tiny-patch14-56"), tmp.resolve("moved-away"));
        Exception e = assertThrows(RuntimeException.class, () -> ModelRegistry.load(m, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("clip-vit-tiny-patch14-56"), e.getMessage());
        assertGoldenLogits(m, "llava-1.5-tiny-original-layout", new LoadOptions(elsewhere.toString()));
    }

    @Test
    void visionTowerFoundInTheLocalHuggingFaceCache() throws Exception {
        Path home = tmp.resolve("home");
        Path snap = home.resolve(".cache/huggingface/hub/models--openai--clip-vit-tiny/snapshots/abc123");
        copyDir(Fixtures.dir("clip-vit-tiny-patch14-56"), snap);
        Files.writeString(Files.createDirectories(home.resolve(".cache/huggingface/hub/models--openai--clip-vit-tiny/refs")).resolve("main"), "abc123");
        Path m = variant("llava-1.5-tiny-original-layout", "orig-hub", n -> n.startsWith("model.vision_tower.") ? null : n);
        Path cfg = m.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"clip-vit-tiny-patch14-56\"", "\"openai/clip-vit-tiny\""));
        String old = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            assertGoldenLogits(m, "llava-1.5-tiny-original-layout", LoadOptions.defaults());
        } finally {
            System.setProperty("user.home", old);
        }
    }

    static void copyDir(Path src, Path dst) throws Exception {
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.copy(p, dst.resolve(p.getFileName()));
        }
    }
}
