package io.llava4j.vision.preprocess;

import io.llava4j.media.RgbImage;
import io.llava4j.vision.preprocess.PilResize.Filter;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Hand-computed Pillow results for small cases (the pixel-exact comparison with Pillow itself is in
 * {@link ClipGoldenTest}), plus structural properties.
 */
class PilResizeTest {

    /** A one-row gray image (R = G = B = v). */
    private static RgbImage row(int... v) {
        byte[] d = new byte[v.length * 3];
        for (int i = 0; i < d.length; i++) d[i] = (byte) v[i / 3];
        return new RgbImage(v.length, 1, d);
    }

    private static int[] red(RgbImage img) {
        int[] out = new int[img.width() * img.height()];
        for (int i = 0; i < out.length; i++) out[i] = img.data()[i * 3] & 0xff;
        return out;
    }

    @Test
    void bilinearShrinkWidensTheSupport() {
        // 4 -> 2: scale 2, support 2; output 0 reads inputs 0..2 with weights 3/7, 3/7, 1/7.
        assertArrayEquals(new int[] {50, 160}, red(PilResize.resize(row(0, 70, 140, 210), 2, 1, Filter.BILINEAR)));
    }

    @Test
    void bicubicEnlargeHasNegativeLobesAndClips() {
        // 2 -> 4, a = -0.5: weights (1.088, -0.088) clip to 0; (0.793, 0.207) give 52.8 -> 53.
        assertArrayEquals(new int[] {0, 53, 202, 255}, red(PilResize.resize(row(0, 255), 4, 1, Filter.BICUBIC)));
    }

    @Test
    void boxAndNearest() {
        assertArrayEquals(new int[] {15, 35}, red(PilResize.resize(row(10, 20, 30, 40), 2, 1, Filter.BOX)));
        assertArrayEquals(new int[] {20, 40}, red(PilResize.resize(row(10, 20, 30, 40), 2, 1, Filter.NEAREST)));
        assertArrayEquals(new int[] {10, 10, 20, 20, 30, 30}, red(PilResize.resize(row(10, 20, 30), 6, 1, Filter.NEAREST)));
    }

    @Test
    void constantImagesStayConstant() {
        RgbImage flat = RgbImage.filled(37, 23, 200, 13, 99);
        for (Filter f : Filter.values()) {
            for (int[] wh : new int[][] {{5, 7}, {80, 11}, {37, 60}, {3, 23}}) {
                assertEquals(RgbImage.filled(wh[0], wh[1], 200, 13, 99), PilResize.resize(flat, wh[0], wh[1], f), f + " " + wh[0] + "x" + wh[1]);
            }
        }
    }

    private static RgbImage transpose(RgbImage img) {
        byte[] d = new byte[img.data().length];
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                for (int c = 0; c < 3; c++) d[(x * img.height() + y) * 3 + c] = img.data()[(y * img.width() + x) * 3 + c];
            }
        }
        return new RgbImage(img.height(), img.width(), d);
    }

    @Test
    void horizontalAndVerticalPassesAgree() {
        // When only one dimension changes, transposing commutes with resizing: checks the vertical pass against the
        // horizontal one, and the pass skipping. (With both changing it does not: the horizontal result is rounded
        // to 8 bits before the vertical pass, which is why the pass order must be Pillow's.)
        Random rnd = new Random(7);
        byte[] d = new byte[41 * 29 * 3];
        rnd.nextBytes(d);
        RgbImage img = new RgbImage(41, 29, d);
        for (Filter f : Filter.values()) {
            for (int[] wh : new int[][] {{13, 29}, {41, 9}, {100, 29}, {41, 70}, {1, 29}, {41, 1}}) {
                RgbImage direct = PilResize.resize(img, wh[0], wh[1], f);
                RgbImage viaT = transpose(PilResize.resize(transpose(img), wh[1], wh[0], f));
                assertEquals(direct, viaT, f + " " + wh[0] + "x" + wh[1]);
            }
        }
    }

    @Test
    void sameSizeIsTheImageItselfAndCodesMapToFilters() {
        RgbImage img = RgbImage.filled(4, 3, 1, 2, 3);
        assertSame(img, PilResize.resize(img, 4, 3, Filter.BICUBIC));
        assertEquals(Filter.BICUBIC, Filter.fromPilCode(3));
        assertEquals(Filter.BILINEAR, Filter.fromPilCode(2));
        assertEquals(Filter.NEAREST, Filter.fromPilCode(0));
        assertThrows(IllegalArgumentException.class, () -> Filter.fromPilCode(9));
    }
}
