package io.llava4j.media;

import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Decodes JPEG (incl. CMYK/YCCK), PNG, BMP, GIF (first frame), WebP and TIFF into an {@link RgbImage}, with the
 * pixel semantics of PIL's {@code Image.open(f).convert("RGB")}:
 * <ul>
 *   <li>alpha is discarded, not composited (RGBA and LA keep their colour channels as stored);</li>
 *   <li>grayscale becomes R = G = B = L; palette images are looked up in their palette;</li>
 *   <li>the raw stored samples are used: embedded ICC profiles are not applied (PIL does not apply them either);</li>
 *   <li>16-bit samples keep their high byte (PIL does this for 16-bit RGB(A) PNG; for 16-bit grayscale PIL would
 *       clip to 255, which is useless, so the high byte is used there too);</li>
 *   <li>CMYK JPEG is converted to RGB by the TwelveMonkeys reader (ICC based; PIL's own CMYK conversion is naive,
 *       so values differ from PIL there);</li>
 *   <li>GIF: the first frame, placed on the logical screen like PIL does (area outside the frame = palette colour
 *       of the transparent index, else of index 0). EXIF orientation is not applied (neither PIL's open nor
 *       LLaVA apply it).</li>
 * </ul>
 * The pixel count is checked from the header, before any pixel data is decoded (decompression bombs).
 * Every failure is a {@link MediaException} with a one-line message.
 */
public final class ImageDecoder {
    /** Default limit on width x height: 100 megapixels (PIL warns at 89 MP and refuses at 179 MP). */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    private static final String SUPPORTED = "JPEG, PNG, BMP, GIF, WebP, TIFF";

    private ImageDecoder() {}

    public static RgbImage decode(Path file) {
        return decode(file, DEFAULT_MAX_PIXELS);
    }

    /** Decodes an image file; refuses images with more than {@code maxPixels} pixels before decoding them. */
    public static RgbImage decode(Path file, long maxPixels) {
        if (Files.isDirectory(file)) throw new MediaException("image path is a directory, not a file: " + file);
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) throw new MediaException("image file too large (" + size + " bytes): " + file);
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MediaException("image file not found: " + file, e);
        } catch (AccessDeniedException e) {
            throw new MediaException("image file not readable (permission denied): " + file, e);
        } catch (IOException e) {
            throw new MediaException("cannot read image file " + file + ": " + oneLine(e), e);
        }
        if (bytes.length == 0) throw new MediaException("image file is empty (0 bytes): " + file);
        return decode(bytes, file.toString(), maxPixels);
    }

    public static RgbImage decode(byte[] bytes) {
        return decode(bytes, DEFAULT_MAX_PIXELS);
    }

    /** Decodes encoded image bytes; refuses images with more than {@code maxPixels} pixels before decoding them. */
    public static RgbImage decode(byte[] bytes, long maxPixels) {
        return decode(bytes, "image data (" + bytes.length + " bytes)", maxPixels);
    }

    private static RgbImage decode(byte[] bytes, String label, long maxPixels) {
        if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be positive: " + maxPixels);
        if (bytes.length == 0) throw new MediaException(label + ": empty image (0 bytes)");
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = pickReader(in);
            if (reader == null) {
                throw new MediaException(label + ": not a recognised image format (supported: " + SUPPORTED
                        + "); it starts with " + describeStart(bytes));
            }
            String format = reader.getOriginatingProvider().getFormatNames()[0].toUpperCase(Locale.ROOT);
            List<String> fatalWarnings = new ArrayList<>();
            reader.addIIOReadWarningListener(truncationWatcher(fatalWarnings));
            try {
                reader.setInput(in, true, false);
                // Header only: refuse oversized images before any pixel is decoded.
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                checkSize(label, format, w, h, maxPixels);
                GifLayout gif = format.equals("GIF") ? GifLayout.read(reader) : null;
                if (gif != null) checkSize(label, format, gif.screenW, gif.screenH, maxPixels);

                BufferedImage bi = reader.read(0);
                if (!fatalWarnings.isEmpty()) {
                    throw new MediaException(label + ": corrupt or truncated " + format + " data (" + fatalWarnings.get(0) + ")");
                }
                return gif != null ? gif.place(bi) : toRgb(bi);
            } finally {
                reader.dispose();
            }
        } catch (MediaException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new MediaException(label + ": corrupt or truncated image data (" + oneLine(e) + ")", e);
        }
    }

    /** The first ImageIO reader that recognises the content (never by file name); WBMP is excluded (no magic number). */
    private static ImageReader pickReader(ImageInputStream in) {
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        while (it.hasNext()) {
            ImageReader r = it.next();
            String name = r.getOriginatingProvider().getFormatNames()[0].toLowerCase(Locale.ROOT);
            if (!name.equals("wbmp")) return r;
        }
        return null;
    }

    private static void checkSize(String label, String format, long w, long h, long maxPixels) {
        if (w <= 0 || h <= 0) throw new MediaException(label + ": " + format + " header declares an empty image (" + w + "x" + h + ")");
        if (w * h > maxPixels) {
            throw new MediaException(label + ": " + format + " image is " + w + "x" + h + " = " + (w * h)
                    + " pixels, more than the limit of " + maxPixels + " (refused before decoding)");
        }
    }

    /** Readers report a truncated stream as a warning and return a partly grey image; PIL raises. So do we. */
    private static IIOReadWarningListener truncationWatcher(List<String> sink) {
        return (source, warning) -> {
            String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
            if (w.contains("premature end") || w.contains("truncat") || w.contains("unexpected end")) sink.add(warning);
        };
    }

    /** PIL {@code convert("RGB")} semantics on an ImageIO image; see the class comment. */
    public static RgbImage toRgb(BufferedImage bi) {
        int w = bi.getWidth();
        int h = bi.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        ColorModel cm = bi.getColorModel();
        Raster raster = bi.getRaster();
        int o = 0;
        if (cm instanceof IndexColorModel icm) {
            // Palette: look each index up; the palette's alpha is ignored.
            int n = icm.getMapSize();
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int rgb = row[x] < n ? icm.getRGB(row[x]) : 0;
                    out[o++] = (byte) (rgb >> 16);
                    out[o++] = (byte) (rgb >> 8);
                    out[o++] = (byte) rgb;
                }
            }
        } else if (cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied() && rawReadable(cm)) {
            // Gray(+alpha) or RGB(+alpha), 1..16 bits per sample: take the stored samples, drop alpha.
            int bands = raster.getNumBands();
            boolean gray = cm.getNumColorComponents() == 1;
            int bits = cm.getComponentSize(0);
            int[] px = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, px);
                for (int x = 0; x < w; x++) {
                    int base = x * bands;
                    if (gray) {
                        byte v = (byte) to8(px[base], bits);
                        out[o++] = v;
                        out[o++] = v;
                        out[o++] = v;
                    } else {
                        out[o++] = (byte) to8(px[base], bits);
                        out[o++] = (byte) to8(px[base + 1], bits);
                        out[o++] = (byte) to8(px[base + 2], bits);
                    }
                }
            }
        } else {
            // Packed pixels (BMP 16/24/32-bit, TYPE_INT_RGB) and other colour spaces: Java's conversion to sRGB.
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                bi.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    out[o++] = (byte) (row[x] >> 16);
                    out[o++] = (byte) (row[x] >> 8);
                    out[o++] = (byte) row[x];
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static boolean rawReadable(ColorModel cm) {
        int type = cm.getColorSpace().getType();
        int n = cm.getNumColorComponents();
        boolean ok = (type == ColorSpace.TYPE_GRAY && n == 1) || (type == ColorSpace.TYPE_RGB && n == 3);
        if (!ok) return false;
        int tt = cm.getTransferType();
        if (tt != java.awt.image.DataBuffer.TYPE_BYTE && tt != java.awt.image.DataBuffer.TYPE_USHORT) return false;
        for (int c = 0; c < n; c++) if (cm.getComponentSize(c) != cm.getComponentSize(0) || cm.getComponentSize(c) > 16) return false;
        return true;
    }

    /** A {@code bits}-wide sample as 8 bits: high byte when wider, replicated scale when narrower. */
    private static int to8(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >>> (bits - 8);
        return v * 255 / ((1 << bits) - 1);
    }

    /** GIF: logical screen size, frame 0 offset and transparent index (from metadata, read before decoding). */
    private record GifLayout(int screenW, int screenH, int left, int top, int transparent) {
        static GifLayout read(ImageReader reader) throws IOException {
            IIOMetadata sm = reader.getStreamMetadata();
            IIOMetadata im = reader.getImageMetadata(0);
            int sw = -1, sh = -1, left = 0, top = 0, transparent = -1;
            if (sm != null) {
                Node lsd = child(sm.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
                if (lsd != null) {
                    sw = intAttr(lsd, "logicalScreenWidth", -1);
                    sh = intAttr(lsd, "logicalScreenHeight", -1);
                }
            }
            if (im != null) {
                Node root = im.getAsTree("javax_imageio_gif_image_1.0");
                Node desc = child(root, "ImageDescriptor");
                if (desc != null) {
                    left = intAttr(desc, "imageLeftPosition", 0);
                    top = intAttr(desc, "imageTopPosition", 0);
                }
                Node gce = child(root, "GraphicControlExtension");
                if (gce != null && "TRUE".equalsIgnoreCase(attr(gce, "transparentColorFlag"))) {
                    transparent = intAttr(gce, "transparentColorIndex", -1);
                }
            }
            int fw = reader.getWidth(0), fh = reader.getHeight(0);
            if (sw <= 0 || sh <= 0) { sw = fw; sh = fh; }
            return new GifLayout(sw, sh, left, top, transparent);
        }

        /** Frame 0 pasted at its offset on the logical screen. */
        RgbImage place(BufferedImage frame) {
            RgbImage f = toRgb(frame);
            if (screenW == f.width() && screenH == f.height() && left == 0 && top == 0) return f;
            int fill = 0;
            if (frame.getColorModel() instanceof IndexColorModel icm) {
                int idx = transparent >= 0 && transparent < icm.getMapSize() ? transparent : 0;
                fill = icm.getRGB(idx);
            }
            RgbImage canvas = RgbImage.filled(screenW, screenH, (fill >> 16) & 0xff, (fill >> 8) & 0xff, fill & 0xff);
            byte[] dst = canvas.data();
            for (int y = 0; y < f.height(); y++) {
                int cy = y + top;
                if (cy < 0 || cy >= screenH) continue;
                int x0 = Math.max(0, -left), x1 = Math.min(f.width(), screenW - left);
                if (x1 <= x0) continue;
                System.arraycopy(f.data(), (y * f.width() + x0) * 3, dst, (cy * screenW + x0 + left) * 3, (x1 - x0) * 3);
            }
            return canvas;
        }

        private static Node child(Node n, String name) {
            for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) if (name.equals(c.getNodeName())) return c;
            return null;
        }

        private static String attr(Node n, String name) {
            NamedNodeMap a = n.getAttributes();
            Node v = a == null ? null : a.getNamedItem(name);
            return v == null ? null : v.getNodeValue();
        }

        private static int intAttr(Node n, String name, int dflt) {
            String v = attr(n, name);
            try {
                return v == null ? dflt : Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
    }

    /** The first bytes of a file, as text when printable (e.g. "Hello wo"), else hex. */
    private static String describeStart(byte[] b) {
        int n = Math.min(8, b.length);
        boolean printable = true;
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x7f) printable = false;
        }
        StringBuilder sb = new StringBuilder();
        if (printable) {
            sb.append('"');
            for (int i = 0; i < n; i++) {
                char c = (char) b[i];
                sb.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : String.valueOf(c));
            }
            sb.append('"');
        } else {
            sb.append("bytes");
            for (int i = 0; i < n; i++) sb.append(String.format(" %02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    private static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            String m = t.getMessage();
            if (sb.length() > 0) sb.append(": ");
            sb.append(m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
            if (t.getCause() == t) break;
        }
        return sb.toString().replaceAll("\\s+", " ").trim();
    }
}
