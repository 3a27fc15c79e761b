package io.llava4j.vision.preprocess;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Npy;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static io.llava4j.vision.preprocess.PixelGolden.assertArray;
import static io.llava4j.vision.preprocess.PixelGolden.assertStats;
import static io.llava4j.vision.preprocess.PixelGolden.concat;
import static io.llava4j.vision.preprocess.PixelGolden.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Decoding + CLIP preprocessing against the HF (transformers 4.47, Pillow 9.4) goldens of the tiny fixtures. Every
 * pixel passes through {@link PilResize} (BICUBIC, both shrinking and enlarging), so an off-by-one 8-bit value in the
 * resize shows up here as one normalisation step.
 */
class ClipGoldenTest {
    private static final String[] IMAGES = {"landscape_200x150", "portrait_120x240", "tiny_30x30"};
    private static final int PLANE = 3 * 56 * 56;

    private static RgbImage image(String fixture, String name) {
        return ImageDecoder.decode(Fixtures.dir(fixture).resolve("golden/img_" + name + ".png"));
    }

    private static double[] npy(String fixture, String file) throws IOException {
        return Npy.read(Fixtures.dir(fixture).resolve("golden").resolve(file)).values();
    }

    private static ClipImageProcessor processor(String fixture) {
        return ClipImageProcessor.load(Fixtures.dir(fixture).resolve("preprocessor_config.json"));
    }

    /** The video frames listed in golden.video_preprocessing, each through {@code p}, stacked (T, 3, H, W). */
    private static float[] frames(String fixture, ClipImageProcessor p) {
        JsonNode list = Fixtures.golden(fixture).get("video_preprocessing").get("frames");
        PixelValues[] out = new PixelValues[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.preprocess(ImageDecoder.decode(Fixtures.dir(fixture).resolve("golden").resolve(list.get(i).asText())));
        }
        return concat(out);
    }

    @Test
    void llava15Images() throws IOException {
        ClipImageProcessor p = processor("llava-1.5-tiny");
        JsonNode g = Fixtures.golden("llava-1.5-tiny").get("image_preprocessing");
        for (String name : IMAGES) {
            PixelValues pv = p.preprocess(image("llava-1.5-tiny", name));
            assertStats("llava-1.5 " + name, pv.data(), shape(1, 3, pv.height(), pv.width()), g.get(name).get("pixel_values"), PixelGolden.step(p));
        }
        PixelValues land = p.preprocess(image("llava-1.5-tiny", "landscape_200x150"));
        assertArray("llava-1.5 landscape full array", land.data(), npy("llava-1.5-tiny", "llava_pixel_values_landscape_200x150.npy"), PixelGolden.step(p));
    }

    @Test
    void originalLayoutPadToSquare() throws IOException {
        // mm_vision_tower of the original layout names the standalone CLIP folder; its processor is used.
        ClipImageProcessor p = processor("clip-vit-tiny-patch14-56");
        JsonNode g = Fixtures.golden("llava-1.5-tiny-original-layout").get("image_preprocessing_pad_to_square");
        for (String name : IMAGES) {
            JsonNode e = g.get(name);
            int[] bg = new int[3];
            for (int c = 0; c < 3; c++) bg[c] = e.get("background_rgb").get(c).asInt();
            assertArrayEquals(bg, p.meanBackground(), "background int(mean*255)");
            RgbImage img = image("llava-1.5-tiny-original-layout", name);
            RgbImage sq = ImageOps.expand2square(img, bg[0], bg[1], bg[2]);
            assertEquals(e.get("padded_size").get(0).asInt(), sq.width());
            assertEquals(e.get("padded_size").get(1).asInt(), sq.height());
            PixelValues pv = p.preprocessPadToSquare(img);
            assertStats("orig-layout pad " + name, pv.data(), shape(1, 3, pv.height(), pv.width()), e.get("pixel_values"), PixelGolden.step(p));
        }
        PixelValues land = p.preprocessPadToSquare(image("llava-1.5-tiny-original-layout", "landscape_200x150"));
        assertArray("orig-layout pad landscape full array", land.data(),
                npy("llava-1.5-tiny-original-layout", "orig_pixel_values_landscape_200x150.npy"), PixelGolden.step(p));
    }

    @Test
    void trainingSamplesPadToSquare() throws IOException {
        ClipImageProcessor p = processor("clip-vit-tiny-patch14-56");
        Path dir = Fixtures.dir("llava-1.5-tiny-train");
        String[][] cases = {{"tiny-000", "img_landscape_200x150.png"}, {"tiny-001", "img_portrait_120x240.png"}};
        for (String[] c : cases) {
            PixelValues pv = p.preprocessPadToSquare(ImageDecoder.decode(dir.resolve(c[1])));
            assertArray("train pad " + c[0] + " full array", pv.data(), Npy.read(dir.resolve("pixel_values_" + c[0] + ".npy")).values(), PixelGolden.step(p));
        }
    }

    @Test
    void videoLlavaImagesAndFrames() throws IOException {
        ClipImageProcessor p = processor("video-llava-tiny");
        JsonNode g = Fixtures.golden("video-llava-tiny");
        for (String name : IMAGES) {
            PixelValues pv = p.preprocess(image("video-llava-tiny", name));
            assertStats("video-llava image " + name, pv.data(), shape(1, 3, 56, 56), g.get("image_preprocessing").get(name).get("pixel_values"), PixelGolden.step(p));
        }
        float[] video = frames("video-llava-tiny", p);
        assertStats("video-llava video", video, shape(1, 8, 3, 56, 56), g.get("video_preprocessing").get("pixel_values_videos"), PixelGolden.step(p));
        assertArray("video-llava video full array", video, npy("video-llava-tiny", "vllava_pixel_values_videos.npy"), PixelGolden.step(p));
    }

    @Test
    void llavaNextVideoFrames() throws IOException {
        // LlavaNextVideoImageProcessor: resize shortest edge + center crop, same settings as the image processor here.
        ClipImageProcessor p = processor("llava-next-video-tiny");
        float[] video = frames("llava-next-video-tiny", p);
        assertStats("llava-next-video video", video, shape(1, 8, 3, 56, 56),
                Fixtures.golden("llava-next-video-tiny").get("video_preprocessing").get("pixel_values_videos"), PixelGolden.step(p));
        assertArray("llava-next-video video full array", video, npy("llava-next-video-tiny", "nextvideo_pixel_values_videos.npy"), PixelGolden.step(p));
    }

    @Test
    void llavaNextBasePatch() throws IOException {
        // Anyres patch 0 is the whole image resized to the square tile (PIL, no aspect ratio), then the CLIP steps
        // (shortest-edge resize and crop are no-ops on it). The grid tiles are another task's.
        String[][] cases = {{"llava-next-vicuna-tiny", "next_pixel_values_landscape_200x150.npy"},
                {"llava-next-mistral-tiny", "next_pixel_values_landscape_200x150.npy"},
                {"llava-next-video-tiny", "nextvideo_pixel_values_landscape_200x150.npy"}};
        for (String[] c : cases) {
            ClipImageProcessor p = processor(c[0]);
            RgbImage base = PilResize.resize(image(c[0], "landscape_200x150"), 56, 56, p.config().resample());
            double[] expected = Arrays.copyOfRange(npy(c[0], c[1]), 0, PLANE);
            assertArray(c[0] + " anyres base patch", p.preprocess(base).data(), expected, PixelGolden.step(p));
        }
    }

    @Test
    void onevisionVideoAndBasePatch() throws IOException {
        // SigLIP-style: resize to 56x56 (no aspect ratio, no crop), mean = std = 0.5.
        Path dir = Fixtures.dir("llava-onevision-qwen2-tiny");
        ClipImageProcessor video = ClipImageProcessor.load(dir.resolve("video_processor/preprocessor_config.json"));
        assertEquals(false, video.config().doCenterCrop());
        float[] v = frames("llava-onevision-qwen2-tiny", video);
        JsonNode g = Fixtures.golden("llava-onevision-qwen2-tiny");
        assertStats("onevision video", v, shape(1, 8, 3, 56, 56), g.get("video_preprocessing").get("pixel_values_videos"), PixelGolden.step(video));
        assertArray("onevision video full array", v, npy("llava-onevision-qwen2-tiny", "ov_pixel_values_videos.npy"), PixelGolden.step(video));

        ClipImageProcessor img = processor("llava-onevision-qwen2-tiny");
        PixelValues base = img.preprocess(image("llava-onevision-qwen2-tiny", "tiny_30x30"));
        double[] expected = Arrays.copyOfRange(npy("llava-onevision-qwen2-tiny", "ov_pixel_values_tiny_30x30.npy"), 0, PLANE);
        assertArray("onevision tiny_30x30 anyres base patch", base.data(), expected, PixelGolden.step(img));
    }

    @Test
    void pllavaFrames() throws IOException {
        // PllavaProcessor.resize_crop_longshort first brings the short side to max(48, 56) = 56 with PIL bicubic, the
        // same resize CLIP's shortest_edge does; the goldens equal plain CLIP processing of the frames.
        ClipImageProcessor p = processor("pllava-tiny");
        JsonNode g = Fixtures.golden("pllava-tiny");
        float[] v = frames("pllava-tiny", p);
        assertStats("pllava video", v, shape(8, 3, 56, 56), g.get("video_preprocessing").get("pixel_values"), PixelGolden.step(p));
        assertArray("pllava video full array", v, npy("pllava-tiny", "pllava_pixel_values_video.npy"), PixelGolden.step(p));
        PixelValues img = p.preprocess(image("pllava-tiny", "landscape_200x150"));
        assertStats("pllava image", img.data(), shape(1, 3, 56, 56), g.get("image_pixel_values"), PixelGolden.step(p));
    }

    @Test
    void internVlPadTo336() throws IOException {
        // InternVL-Chat-LLaVA: hard-coded CLIPImageProcessor (336, ImageNet mean/std), pad on (123, 116, 103).
        JsonNode g = Fixtures.golden("internvl-chat-tiny");
        ClipImageProcessor p = ClipImageProcessor.fromJson(g.get("image_processor"));
        assertArrayEquals(new int[] {123, 116, 103}, p.meanBackground());
        for (String fwd : new String[] {"forward_main", "forward_portrait"}) {
            JsonNode f = g.get(fwd);
            String file = f.get("image").asText();
            PixelValues pv = p.preprocessPadToSquare(ImageDecoder.decode(Fixtures.dir("internvl-chat-tiny").resolve("golden").resolve(file)));
            assertStats("internvl " + fwd + " " + file, pv.data(), shape(1, 3, pv.height(), pv.width()), f.get("pixel_values"), PixelGolden.step(p));
            if (f.hasNonNull("pixel_values_npy")) {
                assertArray("internvl " + fwd + " full array", pv.data(), npy("internvl-chat-tiny", f.get("pixel_values_npy").asText()), PixelGolden.step(p));
            }
        }
    }
}
