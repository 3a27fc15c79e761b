package io.llava4j.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Formats and PIL convert("RGB") semantics on images written here with ImageIO, and the error paths. */
class ImageDecoderTest {
    @TempDir
    Path tmp;

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no ImageIO writer for " + format);
        return out.toByteArray();
    }

    /** A 7x5 RGB test pattern with distinct values per pixel and channel. */
    private static int patternRgb(int x, int y) {
        return (x * 37 + y * 11) % 256 << 16 | (x * 5 + y * 53 + 17) % 256 << 8 | (x * 91 + y * 3 + 200) % 256;
    }

    private static BufferedImage pattern(int type) {
        BufferedImage img = new BufferedImage(7, 5, type);
        for (int y = 0; y < 5; y++) for (int x = 0; x < 7; x++) img.setRGB(x, y, 0xff000000 | patternRgb(x, y));
        return img;
    }

    private static void assertPattern(RgbImage img) {
        assertEquals(7, img.width());
        assertEquals(5, img.height());
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) assertEquals(patternRgb(x, y), img.rgb(x, y), "pixel " + x + "," + y);
        }
    }

    @Test
    void pngBmpAndTiffAreExact() throws IOException {
        assertPattern(ImageDecoder.decode(encode(pattern(BufferedImage.TYPE_3BYTE_BGR), "png")));
        assertPattern(ImageDecoder.decode(encode(pattern(BufferedImage.TYPE_INT_RGB), "png")));
        assertPattern(ImageDecoder.decode(encode(pattern(BufferedImage.TYPE_3BYTE_BGR), "bmp")));
        assertPattern(ImageDecoder.decode(encode(pattern(BufferedImage.TYPE_3BYTE_BGR), "tiff")));
    }

    @Test
    void pathAndBytesAgree() throws IOException {
        byte[] png = encode(pattern(BufferedImage.TYPE_3BYTE_BGR), "png");
        Path f = tmp.resolve("p.png");
        Files.write(f, png);
        assertEquals(ImageDecoder.decode(png), ImageDecoder.decode(f));
    }

    @Test
    void pngAlphaIsDroppedNotComposited() throws IOException {
        // Like PIL convert("RGB"): fully transparent pixels keep their stored colour.
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x00ff0000); // alpha 0, red
        img.setRGB(1, 0, 0x8000ff00); // alpha 128, green
        img.setRGB(2, 0, 0xff0000ff); // opaque blue
        RgbImage out = ImageDecoder.decode(encode(img, "png"));
        assertEquals(0xff0000, out.rgb(0, 0));
        assertEquals(0x00ff00, out.rgb(1, 0));
        assertEquals(0x0000ff, out.rgb(2, 0));
    }

    @Test
    void grayPngBecomesEqualChannelsWithoutGammaChange() throws IOException {
        BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        int[] v = {0, 37, 128, 255};
        for (int x = 0; x < 4; x++) img.getRaster().setSample(x, 0, 0, v[x]);
        RgbImage out = ImageDecoder.decode(encode(img, "png"));
        for (int x = 0; x < 4; x++) assertEquals(v[x] * 0x010101, out.rgb(x, 0), "gray " + v[x]);
    }

    @Test
    void sixteenBitPngKeepsHighByte() throws IOException {
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setSample(0, 0, 0, 0x1234);
        gray.getRaster().setSample(1, 0, 0, 0xffff);
        RgbImage g = ImageDecoder.decode(encode(gray, "png"));
        assertEquals(0x121212, g.rgb(0, 0));
        assertEquals(0xffffff, g.rgb(1, 0));

        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(1, 1);
        r.setPixel(0, 0, new int[] {0xabcd, 0x0102, 0xfe00});
        RgbImage rgb = ImageDecoder.decode(encode(new BufferedImage(cm, r, false, null), "png"));
        assertEquals(0xab01fe, rgb.rgb(0, 0));
    }

    @Test
    void palettePngAndGifUsePaletteColours() throws IOException {
        byte[] red = {(byte) 250, 10, 0, 0}, green = {20, (byte) 240, 7, 0}, blue = {30, 40, (byte) 230, 0};
        byte[] alpha = {(byte) 255, 0, (byte) 255, (byte) 255}; // index 1 transparent: colour still used
        IndexColorModel icm = new IndexColorModel(2, 4, red, green, blue, alpha);
        BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, icm);
        for (int x = 0; x < 4; x++) img.getRaster().setSample(x, 0, 0, x);
        for (String fmt : new String[] {"png", "gif"}) {
            RgbImage out = ImageDecoder.decode(encode(img, fmt));
            for (int x = 0; x < 4; x++) {
                assertEquals((red[x] & 0xff) << 16 | (green[x] & 0xff) << 8 | (blue[x] & 0xff), out.rgb(x, 0), fmt + " index " + x);
            }
        }
    }

    @Test
    void gifFirstFrameOfAnimation() throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] expected = new int[2];
        try (var out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.prepareWriteSequence(null);
            int i = 0;
            for (int rgb : new int[] {0x102030, 0xa0b0c0}) {
                BufferedImage f = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_INDEXED);
                for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) f.setRGB(x, y, rgb);
                expected[i++] = f.getRGB(0, 0) & 0xffffff; // the colour after palette quantisation
                w.writeToSequence(new IIOImage(f, null, null), null);
            }
            w.endWriteSequence();
        }
        w.dispose();
        RgbImage img = ImageDecoder.decode(bytes.toByteArray());
        assertEquals(16, img.width());
        assertEquals(16, img.height());
        assertEquals(expected[0], img.rgb(5, 7));
        assertTrue(expected[0] != expected[1]);
    }

    @Test
    void gifFrameIsPlacedOnTheLogicalScreen() throws IOException {
        // An 8x8 red frame at (4, 2) on a 16x12 logical screen: PIL's size is the screen, the rest is palette[0].
        ImageWriter w = ImageIO.getImageWritersByFormatName("gif").next();
        BufferedImage f = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) f.setRGB(x, y, 0xff0000);
        ImageWriteParam p = w.getDefaultWriteParam();
        IIOMetadata sm = w.getDefaultStreamMetadata(p);
        IIOMetadataNode st = (IIOMetadataNode) sm.getAsTree("javax_imageio_gif_stream_1.0");
        IIOMetadataNode lsd = new IIOMetadataNode("LogicalScreenDescriptor");
        lsd.setAttribute("logicalScreenWidth", "16");
        lsd.setAttribute("logicalScreenHeight", "12");
        lsd.setAttribute("colorResolution", "8");
        lsd.setAttribute("pixelAspectRatio", "0");
        st.appendChild(lsd);
        sm.setFromTree("javax_imageio_gif_stream_1.0", st);
        IIOMetadata im = w.getDefaultImageMetadata(new ImageTypeSpecifier(f), p);
        IIOMetadataNode it = (IIOMetadataNode) im.getAsTree("javax_imageio_gif_image_1.0");
        IIOMetadataNode d = (IIOMetadataNode) it.getElementsByTagName("ImageDescriptor").item(0);
        d.setAttribute("imageLeftPosition", "4");
        d.setAttribute("imageTopPosition", "2");
        im.setFromTree("javax_imageio_gif_image_1.0", it);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.write(sm, new IIOImage(f, null, im), p);
        }
        w.dispose();
        RgbImage img = ImageDecoder.decode(bytes.toByteArray());
        assertEquals(16, img.width());
        assertEquals(12, img.height());
        int background = ((IndexColorModel) f.getColorModel()).getRGB(0) & 0xffffff;
        assertEquals(background, img.rgb(0, 0));
        assertEquals(background, img.rgb(3, 2));
        assertEquals(0xff0000, img.rgb(4, 2));
        assertEquals(0xff0000, img.rgb(11, 9));
        assertEquals(background, img.rgb(12, 9));
        assertEquals(background, img.rgb(11, 10));
    }

    @Test
    void jpegRgbAndGrayDecodeClose() throws IOException {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, 0x3c78b4); // flat colour
        RgbImage out = ImageDecoder.decode(encodeJpeg(img));
        for (int c = 0; c < 3; c++) assertEquals(new int[] {0x3c, 0x78, 0xb4}[c], out.get(8, 8, c), 3.0, "jpeg channel " + c);

        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) gray.getRaster().setSample(x, y, 0, 90);
        RgbImage g = ImageDecoder.decode(encodeJpeg(gray));
        assertEquals(90, g.get(5, 5, 0), 2.0);
        assertEquals(g.get(5, 5, 0), g.get(5, 5, 2));
    }

    private static byte[] encodeJpeg(BufferedImage img) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1.0f);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.write(null, new IIOImage(img, null, null), p);
        }
        w.dispose();
        return bytes.toByteArray();
    }

    @Test
    void cmykJpegIsConvertedToRgb() throws IOException {
        // A 4-channel JPEG with an Adobe APP14 marker (transform 0 = CMYK, values stored inverted as Photoshop
        // does): C=0 M=0 Y=100% K=0, i.e. yellow. The JDK reader alone would hand back 4-band CMYK.
        WritableRaster cmyk = java.awt.image.Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) cmyk.setPixel(x, y, new int[] {255, 255, 0, 255});
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.write(null, new IIOImage(cmyk, null, null), null);
        }
        w.dispose();
        byte[] plain = bytes.toByteArray();
        byte[] adobe = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] jpg = new byte[plain.length + adobe.length];
        System.arraycopy(plain, 0, jpg, 0, 2); // SOI, then APP14
        System.arraycopy(adobe, 0, jpg, 2, adobe.length);
        System.arraycopy(plain, 2, jpg, 2 + adobe.length, plain.length - 2);
        RgbImage img = ImageDecoder.decode(jpg);
        int r = img.get(8, 8, 0), g = img.get(8, 8, 1), b = img.get(8, 8, 2);
        System.out.printf("[media] CMYK yellow -> RGB %d %d %d%n", r, g, b);
        assertTrue(r > 200 && g > 200 && b < 80, "yellow expected, got " + r + "," + g + "," + b);
    }

    @Test
    void webpLossyAndLossless() {
        // 1x1 WebP feature-test images (lossless, lossy, lossy + alpha), widely used for browser detection.
        String[] webp = {
            "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
            "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA",
            "UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==",
        };
        for (String b64 : webp) {
            RgbImage img = ImageDecoder.decode(Base64.getDecoder().decode(b64));
            assertEquals(1, img.width());
            assertEquals(1, img.height());
        }
    }

    // ---- errors ----

    private static MediaException fails(Runnable r) {
        MediaException e = assertThrows(MediaException.class, r::run);
        System.out.println("[media] " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one-line message");
        return e;
    }

    @Test
    void missingEmptyDirectoryAndTextFiles() throws IOException {
        Path missing = tmp.resolve("nope.jpg");
        assertTrue(fails(() -> ImageDecoder.decode(missing)).getMessage().contains("not found"));
        assertTrue(fails(() -> ImageDecoder.decode(tmp)).getMessage().contains("directory"));

        Path empty = Files.write(tmp.resolve("empty.png"), new byte[0]);
        assertTrue(fails(() -> ImageDecoder.decode(empty)).getMessage().contains("empty"));
        assertTrue(fails(() -> ImageDecoder.decode(new byte[0])).getMessage().contains("empty"));

        Path text = Files.writeString(tmp.resolve("notes.png"), "Hello world, this is not an image.\n");
        MediaException e = fails(() -> ImageDecoder.decode(text));
        assertTrue(e.getMessage().contains("not a recognised image format") && e.getMessage().contains("\"Hello wo\""), e.getMessage());
        assertTrue(e.getMessage().contains(text.toString()));
    }

    @Test
    void corruptAndTruncatedData() throws IOException {
        byte[] png = encode(pattern(BufferedImage.TYPE_3BYTE_BGR), "png");
        // PNG signature followed by garbage.
        byte[] garbage = Arrays.copyOf(png, 64);
        for (int i = 8; i < garbage.length; i++) garbage[i] = (byte) (i * 7);
        assertTrue(fails(() -> ImageDecoder.decode(garbage)).getMessage().contains("corrupt"));
        // PNG cut inside the image data.
        byte[] cutPng = Arrays.copyOf(png, png.length - 30);
        assertTrue(fails(() -> ImageDecoder.decode(cutPng)).getMessage().contains("corrupt"));
        // JPEG cut in half: ImageIO only warns ("Premature end of JPEG file"); we refuse, like PIL.
        BufferedImage big = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) big.setRGB(x, y, patternRgb(x, y));
        byte[] jpg = encodeJpeg(big);
        byte[] cutJpg = Arrays.copyOf(jpg, jpg.length / 2);
        Path f = Files.write(tmp.resolve("cut.jpg"), cutJpg);
        MediaException e = fails(() -> ImageDecoder.decode(f));
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    /** A PNG with only a signature and an IHDR chunk (valid CRC) declaring the given size, no pixel data. */
    private static byte[] pngHeaderOnly(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + 17 + 4);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}).putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return b.array();
    }

    @Test
    void pixelLimitIsCheckedFromTheHeader() throws IOException {
        // 100000 x 100000 = 10 gigapixels, 30 GB decoded: refused from the header without touching the (absent) data.
        MediaException e = fails(() -> ImageDecoder.decode(pngHeaderOnly(100_000, 100_000)));
        assertTrue(e.getMessage().contains("10000000000 pixels") && e.getMessage().contains("limit"), e.getMessage());
        // Configurable limit, also on a real image.
        byte[] png = encode(pattern(BufferedImage.TYPE_3BYTE_BGR), "png");
        assertTrue(fails(() -> ImageDecoder.decode(png, 34)).getMessage().contains("limit of 34"));
        assertEquals(7, ImageDecoder.decode(png, 35).width());
    }
}
