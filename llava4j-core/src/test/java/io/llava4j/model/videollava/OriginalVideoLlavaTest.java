package io.llava4j.model.videollava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.Npy;
import io.llava4j.format.SafetensorsFile;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.mm.PromptChunk;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Original-layout Video-LLaVA (LanguageBind towers with temporal attention). There is no fixture made by the
 * original code, so the checkpoint is built here from the HF-port fixture (video-llava-tiny) renamed to the original
 * names (the inverse of transformers' convert_video_llava_weights_to_hf.py) plus temporal-attention weights; the
 * tower's output is checked against an independent numpy implementation of LanguageBind's CLIPEncoderLayer
 * (src/test/resources/languagebind/make_reference.py), and with zeroed temporal weights against the HF-port model.
 */
class OriginalVideoLlavaTest {
    @TempDir static Path tmp;
    static Path withTemporal, zeroTemporal, noTowerFolders;

    @BeforeAll
    static void build() throws Exception {
        Path fx = Fixtures.dir("video-llava-tiny");
        Path temporalFile = Path.of(OriginalVideoLlavaTest.class.getResource("/languagebind/temporal_weights.safetensors").toURI());
        withTemporal = write(fx, temporalFile, tmp.resolve("a"), false, true);
        zeroTemporal = write(fx, temporalFile, tmp.resolve("b"), true, true);
        noTowerFolders = write(fx, temporalFile, tmp.resolve("c"), false, false);
    }

    /** root/Video-LLaVA-7B (+ root/LanguageBind_Image, root/LanguageBind_Video_merge with their configs). */
    static Path write(Path fx, Path temporalFile, Path root, boolean zero, boolean towerFolders) throws Exception {
        Path dir = root.resolve("Video-LLaVA-7B");
        Files.createDirectories(dir);
        JsonNode hf = Json.read(fx.resolve("config.json"));
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile src = SafetensorsFile.open(fx.resolve("model.safetensors"));
             SafetensorsFile tmpW = SafetensorsFile.open(temporalFile)) {
            for (String n : src.names()) out.put(originalName(n), src.get(n));
            for (String n : tmpW.names()) {
                Tensor t = tmpW.get(n);
                if (zero) t = Tensor.ofFloats(n, new float[t.toFloatArray().length], t.shape());
                out.put("model.video_tower.video_tower." + n, t);
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        ObjectNode c = ((ObjectNode) hf.path("text_config").deepCopy());
        c.putArray("architectures").add("LlavaLlamaForCausalLM");
        c.put("model_type", "llava").put("mm_projector_type", "mlp2x_gelu").put("mm_vision_select_layer", -2)
                .put("mm_vision_select_feature", "patch").put("image_aspect_ratio", "pad").put("mm_hidden_size", 48)
                .put("mm_image_tower", "LanguageBind/LanguageBind_Image").put("mm_video_tower", "LanguageBind/LanguageBind_Video_merge");
        Files.writeString(dir.resolve("config.json"), c.toPrettyString());
        for (String f : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")) {
            Files.copy(fx.resolve(f), dir.resolve(f));
        }
        if (towerFolders) {
            for (String t : List.of("LanguageBind_Image", "LanguageBind_Video_merge")) {
                ObjectNode tc = Json.MAPPER.createObjectNode().put("model_type", "LanguageBind" + (t.contains("Video") ? "Video" : "Image"));
                ObjectNode vc = tc.putObject("vision_config");
                vc.setAll((ObjectNode) hf.path("vision_config").deepCopy());
                if (t.contains("Video")) vc.put("add_time_attn", true).put("num_frames", 8);
                Files.createDirectories(root.resolve(t));
                Files.writeString(root.resolve(t).resolve("config.json"), tc.toPrettyString());
            }
        }
        return dir;
    }

    /** The inverse of transformers' KEYS_TO_MODIFY_MAPPING for Video-LLaVA. */
    static String originalName(String hf) {
        if (hf.startsWith("language_model.model.")) return "model." + hf.substring("language_model.model.".length());
        if (hf.startsWith("language_model.lm_head.")) return hf.substring("language_model.".length());
        if (hf.startsWith("multi_modal_projector.linear_1.")) return "model.mm_projector.0." + hf.substring("multi_modal_projector.linear_1.".length());
        if (hf.startsWith("multi_modal_projector.linear_2.")) return "model.mm_projector.2." + hf.substring("multi_modal_projector.linear_2.".length());
        if (hf.startsWith("video_tower.vision_model.")) return "model.video_tower.video_tower." + hf.substring("video_tower.vision_model.".length());
        if (hf.startsWith("image_tower.vision_model.")) return "model.image_tower.image_tower." + hf.substring("image_tower.vision_model.".length());
        throw new IllegalArgumentException("unexpected HF name " + hf);
    }

    static List<RgbImage> frames() {
        List<RgbImage> f = new ArrayList<>();
        for (int i = 0; i < 8; i++) f.add(ImageDecoder.decode(Fixtures.dir("video-llava-tiny").resolve("golden/video_frame_0" + i + ".png")));
        return f;
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void temporalAttentionTowerMatchesNumpyReference() throws Exception {
        try (var m = (OriginalVideoLlavaModel) ModelRegistry.load(withTemporal, LoadOptions.defaults())) {
            assertEquals("video_llava_original", m.family());
            assertTrue(m.videoTower().hasTemporalAttention());
            assertEquals(8, m.preferredVideoFrames());
            Npy.Array px = Npy.read(Fixtures.dir("video-llava-tiny").resolve("golden/vllava_pixel_values_videos.npy"));
            float[] all = px.floats();
            int per = all.length / 8;
            List<float[]> frames = new ArrayList<>();
            for (int t = 0; t < 8; t++) frames.add(java.util.Arrays.copyOfRange(all, t * per, (t + 1) * per));
            float[] got = m.videoTower().videoHiddenState(frames, -2);
            float[] ref = Npy.read(Path.of(getClass().getResource("/languagebind/reference_hidden_m2.npy").toURI())).floats();
            double d = maxDiff(got, ref);
            System.out.printf("[diff] LanguageBind video tower with temporal attention, hidden_states[-2] (8x17x48) vs numpy reference: max abs diff %.3e%n", d);
            assertTrue(d < 1e-4, "max diff " + d);
        }
    }

    @Test
    void zeroTemporalWeightsGiveTheHfPortFeaturesAndRealOnesDoNot() {
        List<RgbImage> frames = frames();
        try (var zero = (OriginalVideoLlavaModel) ModelRegistry.load(zeroTemporal, LoadOptions.defaults());
             var real = (OriginalVideoLlavaModel) ModelRegistry.load(withTemporal, LoadOptions.defaults());
             var hf = (VideoLlavaModel) ModelRegistry.load(Fixtures.dir("video-llava-tiny"), LoadOptions.defaults())) {
            float[] expected = hf.encodeVideo(frames);
            double dz = maxDiff(zero.encodeVideo(frames), expected);
            double dr = maxDiff(real.encodeVideo(frames), expected);
            System.out.printf("[diff] original Video-LLaVA with zeroed temporal attention vs HF port video features: max abs diff %.3e (with temporal weights: %.3e)%n", dz, dr);
            assertTrue(dz < 1e-5, "zeroed temporal attention must reduce to the HF port: " + dz);
            assertTrue(dr > 1e-3, "temporal attention had no effect: " + dr);
            // images go through the image tower, CLS dropped; the HF port pads to square only in the original, so compare a square image
            RgbImage sq = ImageDecoder.decode(Fixtures.dir("video-llava-tiny").resolve("golden/img_tiny_30x30.png"));
            double di = maxDiff(zero.encodeImage(sq), hf.encodeImage(sq));
            System.out.printf("[diff] original Video-LLaVA image features (square image) vs HF port: max abs diff %.3e%n", di);
            assertTrue(di < 1e-5, "image features " + di);
        }
    }

    @Test
    void aVideoIsEightSentinelsOfOneFrameEachAndTheFrameCountIsChecked() {
        try (VisionLanguageModel m = ModelRegistry.load(withTemporal, LoadOptions.defaults())) {
            MultimodalPrompt p = m.prepare("USER: <video>\nWhy is this video funny? ASSISTANT:", List.of(), List.of(frames()));
            List<PromptChunk.Media> media = p.chunks().stream().filter(c -> c instanceof PromptChunk.Media).map(c -> (PromptChunk.Media) c).toList();
            assertEquals(8, media.size());
            for (PromptChunk.Media c : media) assertEquals(17, c.count());
            long sentinels = java.util.Arrays.stream(p.inputIds()).filter(i -> i == -200).count();
            assertEquals(8, sentinels);
            // the same prompt written the way Video-LLaVA's CLI writes it gives the same ids
            int[] cli = m.prepare("USER: " + String.join(" ", java.util.Collections.nCopies(8, "<image>")) + "\nWhy is this video funny? ASSISTANT:",
                    frames(), List.of()).inputIds();
            assertArrayEquals(cli, p.inputIds());
            var e = assertThrows(IllegalArgumentException.class, () -> m.prepare("<video>", List.of(), List.of(frames().subList(0, 7))));
            assertTrue(e.getMessage().contains("exactly 8 frames"), e.getMessage());
            var e2 = assertThrows(io.llava4j.mm.MediaCountException.class, () -> m.prepare("<video> <video>", List.of(), List.of(frames())));
            assertTrue(e2.getMessage().contains("2 <video> markers but 1 videos"), e2.getMessage());
        }
    }

    @Test
    void withoutTowerFoldersTheHeadCountCannotBeGuessedForANon64WideTower() {
        var e = assertThrows(ConfigException.class, () -> ModelRegistry.load(noTowerFolders, LoadOptions.defaults()).close());
        assertTrue(e.getMessage().contains("head count") && e.getMessage().contains("tower folder"), e.getMessage());
    }
}
