package io.llava4j.train.demo;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Renders a {@link Scene} with Java2D (anti-aliased, no randomness: the scene holds every drawn value).
 * Circle: radius = half-extent. Square: side = 1.8 x half-extent (about the circle's area). Triangle: pointing up,
 * base and height 2 x half-extent, centred on the shape's centre.
 */
public final class SceneRenderer {
    private SceneRenderer() {}

    public static BufferedImage render(Scene scene) {
        int s = scene.imageSize();
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(new Color(scene.background()));
            g.fillRect(0, 0, s, s);
            for (SceneObject o : scene.objects()) {
                g.setColor(new Color(o.rgb()));
                double h = o.halfExtent();
                switch (o.kind()) {
                    case CIRCLE -> g.fill(new Ellipse2D.Double(o.cx() - h, o.cy() - h, 2 * h, 2 * h));
                    case SQUARE -> {
                        double a = 0.9 * h;
                        g.fill(new Rectangle2D.Double(o.cx() - a, o.cy() - a, 2 * a, 2 * a));
                    }
                    case TRIANGLE -> {
                        Path2D.Double t = new Path2D.Double();
                        t.moveTo(o.cx(), o.cy() - h);
                        t.lineTo(o.cx() + h, o.cy() + h);
                        t.lineTo(o.cx() - h, o.cy() + h);
                        t.closePath();
                        g.fill(t);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The scene as PNG bytes. */
    public static byte[] png(Scene scene) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(render(scene), "png", out)) throw new IllegalStateException("no PNG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
