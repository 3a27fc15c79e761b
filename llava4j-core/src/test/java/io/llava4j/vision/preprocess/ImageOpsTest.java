package io.llava4j.vision.preprocess;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.media.RgbImage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** expand2square, HF center_crop (incl. its zero padding) and the config parsing of ClipImageProcessor. */
class ImageOpsTest {

    /** Pixel (x, y) = (x, y, 7): shows where each pixel went. */
    private static RgbImage coords(int w, int h) {
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                d[(y * w + x) * 3] = (byte) x;
                d[(y * w + x) * 3 + 1] = (byte) y;
                d[(y * w + x) * 3 + 2] = 7;
            }
        }
        return new RgbImage(w, h, d);
    }

    private static int px(int x, int y) { return x << 16 | y << 8 | 7; }

    @Test
    void expand2squareCentresWithFloorOffsets() {
        RgbImage land = ImageOps.expand2square(coords(5, 2), 122, 116, 104);
        assertEquals(5, land.width());
        assertEquals(5, land.height());
        int bg = 122 << 16 | 116 << 8 | 104;
        assertEquals(bg, land.rgb(0, 0));          // offset (5-2)//2 = 1: row 0 is background
        assertEquals(px(0, 0), land.rgb(0, 1));
        assertEquals(px(4, 1), land.rgb(4, 2));
        assertEquals(bg, land.rgb(4, 3));
        RgbImage port = ImageOps.expand2square(coords(2, 5), 1, 2, 3);
        assertEquals(0x010203, port.rgb(0, 0));    // offset (5-2)//2 = 1
        assertEquals(px(0, 4), port.rgb(1, 4));
        assertEquals(0x010203, port.rgb(3, 4));
    }

    @Test
    void centerCropOffsets() {
        RgbImage c = ImageOps.centerCrop(coords(10, 8), 4, 5); // top (8-4)//2 = 2, left (10-5)//2 = 2
        assertEquals(5, c.width());
        assertEquals(4, c.height());
        assertEquals(px(2, 2), c.rgb(0, 0));
        assertEquals(px(6, 5), c.rgb(4, 3));
    }

    @Test
    void centerCropPadsSmallImagesWithZeros() {
        // 3x2 into 6x5: pad before = ceil(3/2) = 2 in both directions, zeros elsewhere.
        RgbImage c = ImageOps.centerCrop(coords(3, 2), 5, 6);
        assertEquals(6, c.width());
        assertEquals(5, c.height());
        assertEquals(0, c.rgb(1, 1));
        assertEquals(px(0, 0), c.rgb(2, 2));
        assertEquals(px(2, 1), c.rgb(4, 3));
        assertEquals(0, c.rgb(5, 3));
        assertEquals(0, c.rgb(4, 4));
        // Mixed: width cropped (left (10-6)//2 = 2), height padded (before = ceil((4-2)/2) = 1).
        RgbImage m = ImageOps.centerCrop(coords(10, 2), 4, 6);
        assertEquals(0, m.rgb(0, 0));
        assertEquals(px(2, 0), m.rgb(0, 1));
        assertEquals(px(7, 1), m.rgb(5, 2));
        assertEquals(0, m.rgb(5, 3));
    }

    @Test
    void clipConfigParsingAndPaddedCropValues() throws Exception {
        ObjectMapper om = new ObjectMapper();
        // Old-style int sizes: size -> shortest edge, crop_size -> square.
        ClipImageProcessor p = ClipImageProcessor.fromJson(om.readTree("{\"size\": 56, \"crop_size\": 56}"));
        assertEquals(56, p.config().shortestEdge());
        assertEquals(56, p.config().cropHeight());
        assertEquals(PilResize.Filter.BICUBIC, p.config().resample());
        assertArrayEquals(new int[] {122, 116, 104}, p.meanBackground());
        assertArrayEquals(new int[] {74, 56}, p.resizeTarget(200, 150));  // int(56 * 200 / 150) = 74
        assertArrayEquals(new int[] {56, 112}, p.resizeTarget(120, 240));
        assertArrayEquals(new int[] {56, 56}, p.outputSize(200, 150));

        // SigLIP style: height/width and no crop keys -> no crop; bilinear code 2.
        ClipImageProcessor s = ClipImageProcessor.fromJson(om.readTree(
                "{\"size\": {\"height\": 8, \"width\": 6}, \"resample\": 2, \"image_mean\": 0.5, \"image_std\": [0.5, 0.5, 0.5]}"));
        assertFalse(s.config().doCenterCrop());
        assertEquals(PilResize.Filter.BILINEAR, s.config().resample());
        assertArrayEquals(new int[] {8, 6}, s.outputSize(100, 30));

        // No resize, crop larger than the image: the zero padding normalises to -mean/std.
        ClipImageProcessor c = ClipImageProcessor.fromJson(om.readTree(
                "{\"do_resize\": false, \"crop_size\": {\"height\": 4, \"width\": 4}}"));
        PixelValues pv = c.preprocess(RgbImage.filled(2, 2, 255, 255, 255));
        assertEquals(4, pv.height());
        float pad = (0f - (float) ClipImageProcessor.OPENAI_CLIP_MEAN[0]) / (float) ClipImageProcessor.OPENAI_CLIP_STD[0];
        float white = ((float) (255 * (1.0 / 255)) - (float) ClipImageProcessor.OPENAI_CLIP_MEAN[0]) / (float) ClipImageProcessor.OPENAI_CLIP_STD[0];
        assertEquals(pad, pv.get(0, 0, 0));
        assertEquals(white, pv.get(0, 1, 1));
        assertEquals(white, pv.get(0, 2, 2));
        assertEquals(pad, pv.get(0, 3, 3));
    }
}
