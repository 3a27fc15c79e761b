package io.llava4j.bench;

import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** The fixed inputs of the benchmark request when no file is given: the same pixels on every run and machine. */
public final class SyntheticMedia {
    private SyntheticMedia() {}

    /** A 640x480 picture (light background, red disc), the size llama.cpp's side-by-side run uses. */
    public static RgbImage picture() { return ImageDecoder.toRgb(pictureImage()); }

    /** {@link #picture()} as an AWT image, e.g. to save as PNG for another engine. */
    public static BufferedImage pictureImage() { return draw(0, 1); }

    /** {@code frames} 640x480 frames of the disc moving left to right. */
    public static List<RgbImage> video(int frames) {
        List<RgbImage> out = new ArrayList<>();
        for (int i = 0; i < frames; i++) out.add(frame(i, frames));
        return out;
    }

    private static RgbImage frame(int i, int n) { return ImageDecoder.toRgb(draw(i, n)); }

    private static BufferedImage draw(int i, int n) {
        BufferedImage bi = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = bi.createGraphics();
        g.setColor(new Color(200, 220, 240));
        g.fillRect(0, 0, 640, 480);
        g.setColor(Color.RED);
        int x = n == 1 ? 200 : 40 + (360 * i) / Math.max(1, n - 1);
        g.fillOval(x, 150, 200, 200);
        g.dispose();
        return bi;
    }
}
