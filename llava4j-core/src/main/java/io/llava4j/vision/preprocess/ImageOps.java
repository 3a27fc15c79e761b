package io.llava4j.vision.preprocess;

import io.llava4j.media.RgbImage;

/** 8-bit geometric operations used before normalisation: LLaVA's expand2square and HF's center_crop. */
public final class ImageOps {
    private ImageOps() {}

    /**
     * LLaVA {@code mm_utils.expand2square}: pastes the image centred on a square canvas of side max(W, H) filled with
     * (r, g, b); offsets {@code (side-W)//2}, {@code (side-H)//2}. A square image is returned as is.
     */
    public static RgbImage expand2square(RgbImage img, int r, int g, int b) {
        int w = img.width(), h = img.height();
        if (w == h) return img;
        int side = Math.max(w, h);
        RgbImage canvas = RgbImage.filled(side, side, r, g, b);
        paste(img, canvas, (side - w) / 2, (side - h) / 2);
        return canvas;
    }

    /**
     * HF {@code image_transforms.center_crop} to (cropH, cropW): top = (H - cropH)//2, left = (W - cropW)//2.
     * When the image is smaller than the crop in a dimension, it is first zero-padded there (pad before =
     * ceil(diff/2)), so the result always has the requested size. Zero = black, before rescaling/normalising.
     */
    public static RgbImage centerCrop(RgbImage img, int cropH, int cropW) {
        int h = img.height(), w = img.width();
        if (h == cropH && w == cropW) return img;
        int top = Math.floorDiv(h - cropH, 2);
        int left = Math.floorDiv(w - cropW, 2);
        if (top >= 0 && left >= 0 && top + cropH <= h && left + cropW <= w) return crop(img, left, top, cropW, cropH);
        // Pad with zeros to at least the crop size, then crop (shifted by the padding).
        int newH = Math.max(cropH, h), newW = Math.max(cropW, w);
        int topPad = (newH - h + 1) / 2, leftPad = (newW - w + 1) / 2; // ceil(diff / 2)
        RgbImage padded = RgbImage.filled(newW, newH, 0, 0, 0);
        paste(img, padded, leftPad, topPad);
        return crop(padded, left + leftPad, top + topPad, cropW, cropH);
    }

    /** The {@code width x height} region whose top-left corner is (left, top); it must lie inside the image. */
    public static RgbImage crop(RgbImage img, int left, int top, int width, int height) {
        if (left < 0 || top < 0 || left + width > img.width() || top + height > img.height()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + "+" + left + "+" + top + " outside " + img);
        }
        if (left == 0 && top == 0 && width == img.width() && height == img.height()) return img;
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            System.arraycopy(img.data(), ((top + y) * img.width() + left) * 3, out, y * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }

    /** Copies {@code src} into the (mutable, freshly made) {@code dst} at (x0, y0), clipped to dst. */
    private static void paste(RgbImage src, RgbImage dst, int x0, int y0) {
        int xa = Math.max(0, -x0), xb = Math.min(src.width(), dst.width() - x0);
        if (xb <= xa) return;
        for (int y = 0; y < src.height(); y++) {
            int dy = y + y0;
            if (dy < 0 || dy >= dst.height()) continue;
            System.arraycopy(src.data(), (y * src.width() + xa) * 3, dst.data(), (dy * dst.width() + x0 + xa) * 3, (xb - xa) * 3);
        }
    }
}
