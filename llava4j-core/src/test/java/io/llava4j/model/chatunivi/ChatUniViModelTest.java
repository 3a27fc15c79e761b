package io.llava4j.model.chatunivi;

import io.llava4j.engine.Generator;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MediaCountException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Chat-UniVi checkpoint in the original layout, built in the test from the tiny LLaVA weights (no Chat-UniVi model
 * fixture exists; the clustering itself is checked against the reference in ChatUniViClusteringGoldenTest).
 */
class ChatUniViModelTest {
    @TempDir static Path tmp;
    static Path model;

    @BeforeAll
    static void build() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny-original-layout");
        model = Files.createDirectories(tmp.resolve("chatunivi-tiny"));
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String n = p.getFileName().toString();
                if (!n.endsWith(".bin") && !n.equals("config.json")) Files.copy(p, model.resolve(n));
            }
        }
        String cfg = Files.readString(src.resolve("config.json"))
                .replace("\"LlavaLlamaForCausalLM\"", "\"ChatUniViLlamaForCausalLM\"").replace("\"llava_llama\"", "\"ChatUniVi\"")
                .replace("\"mm_projector_type\": \"mlp2x_gelu\",", "\"config\": {\"use_cluster\": true, \"spatial_cluster_rate0\": 64, "
                        + "\"spatial_cluster_rate1\": 32, \"spatial_cluster_rate2\": 16, \"temporal_cluster_rate\": 0.0625},")
                .replace("\"image_aspect_ratio\": \"pad\",", "");
        Files.writeString(model.resolve("config.json"), cfg);
        Path clip = Files.createDirectories(tmp.resolve("clip-vit-tiny-patch14-56"));
        try (Stream<Path> s = Files.list(Fixtures.dir("clip-vit-tiny-patch14-56"))) {
            for (Path p : s.toList()) Files.copy(p, clip.resolve(p.getFileName()));
        }
        try (WeightMap w = Checkpoints.open(src)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String n : w.names()) if (!n.startsWith("model.mm_projector") && !n.startsWith("model.vision_tower")) out.put(n, w.get(n));
            SplittableRandom r = new SplittableRandom(3);
            float[] pw = new float[32 * 48], pb = new float[32];
            for (int i = 0; i < pw.length; i++) pw[i] = (float) (r.nextGaussian() * 0.1);
            for (int i = 0; i < pb.length; i++) pb[i] = (float) (r.nextGaussian() * 0.05);
            out.put("model.mm_projector.weight", Tensor.ofFloats("w", pw, 32, 48));
            out.put("model.mm_projector.bias", Tensor.ofFloats("b", pb, 32));
            SafetensorsWriter.write(model.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
    }

    static RgbImage img(String n) { return ImageDecoder.decode(Fixtures.dir("llava-1.5-tiny").resolve("golden").resolve(n)); }

    static List<RgbImage> frames() {
        Path g = Fixtures.dir("video-llava-tiny").resolve("golden");
        return java.util.stream.IntStream.range(0, 8).mapToObj(i -> ImageDecoder.decode(g.resolve("video_frame_0" + i + ".png"))).toList();
    }

    @Test
    void imagesAndVideosBecomeClusteredRows() {
        try (VisionLanguageModel m = ModelRegistry.load(model, LoadOptions.defaults())) {
            assertEquals("chatunivi", m.family());
            MultimodalPrompt p = m.prepare("USER: <image>\nWhat is it? ASSISTANT:", List.of(img("img_landscape_200x150.png")), List.of());
            // 16 patches: every level keeps all 16 tokens (cluster counts are capped by the token count)
            int media = 0;
            for (PromptChunk c : p.chunks()) if (c instanceof PromptChunk.Media md) media += md.count();
            assertEquals(48, media);
            assertEquals(1, java.util.Arrays.stream(p.inputIds()).filter(i -> i == -200).count());

            MultimodalPrompt v = m.prepare("USER: <video>\nWhat happens? ASSISTANT:", List.of(), List.of(frames()));
            assertEquals(8, java.util.Arrays.stream(v.inputIds()).filter(i -> i == -200).count(), "one sentinel per frame");
            long videoChunks = v.chunks().stream().filter(c -> c instanceof PromptChunk.Media).count();
            assertEquals(1, videoChunks, "the run of frames is one video");
            int[] a = Generator.generate(m, v, SamplingParams.greedy().withMaxNewTokens(6), null).tokenIds();
            int[] b = Generator.generate(m, m.prepare("USER: <video>\nWhat happens? ASSISTANT:", List.of(), List.of(frames())),
                    SamplingParams.greedy().withMaxNewTokens(6), null).tokenIds();
            assertArrayEquals(a, b, "deterministic clustering noise");
            assertThrows(MediaCountException.class, () -> m.prepare("USER: hi", List.of(img("img_tiny_30x30.png")), List.of()));
            assertThrows(IllegalArgumentException.class, () -> m.prepare("<video><video>", List.of(), List.of(frames(), frames())));
        }
    }

    @Test
    void chatWithTheDefaultTemplate() {
        try (io.llava4j.api.Llava4j llava = io.llava4j.api.Llava4j.load(model)) {
            var r = llava.newChat().send("Describe.", List.of(img("img_portrait_120x240.png")), SamplingParams.greedy().withMaxNewTokens(4), null);
            assertTrue(r.result().promptTokens() > 48);
        }
    }
}
