package io.llava4j.vision.preprocess;

import io.llava4j.media.RgbImage;

import java.util.ArrayList;
import java.util.List;

/**
 * LLaVA-NeXT "anyres" geometry (transformers 4.47 image_processing_llava_next / modeling_llava_next):
 * choose the best grid pinpoint, resize keeping aspect and pad to it, cut it into tiles; count the features the
 * model will produce after unpadding and one newline per row.
 * Pinpoints and sizes are (height, width), as in the configs.
 */
public final class AnyRes {
    private AnyRes() {}

    /** select_best_resolution: most effective pixels, then least waste; first wins on ties. */
    public static int[] bestResolution(int origH, int origW, List<int[]> pinpoints) {
        int[] best = null;
        long maxEffective = 0, minWasted = Long.MAX_VALUE;
        for (int[] p : pinpoints) {
            int h = p[0], w = p[1];
            double scale = Math.min((double) w / origW, (double) h / origH);
            long dw = (long) (origW * scale), dh = (long) (origH * scale);
            long effective = Math.min(dw * dh, (long) origW * origH);
            long wasted = (long) w * h - effective;
            if (effective > maxEffective || (effective == maxEffective && wasted < minWasted)) {
                maxEffective = effective;
                minWasted = wasted;
                best = p;
            }
        }
        if (best == null) throw new IllegalArgumentException("no image_grid_pinpoints");
        return best.clone();
    }

    /** _get_patch_output_size: the size the image is resized to inside the pinpoint, as (height, width). */
    static int[] patchOutputSize(int h, int w, int targetH, int targetW) {
        double scaleW = (double) targetW / w, scaleH = (double) targetH / h;
        if (scaleW < scaleH) return new int[] {Math.min((int) Math.ceil(h * scaleW), targetH), targetW};
        return new int[] {targetH, Math.min((int) Math.ceil(w * scaleH), targetW)};
    }

    /**
     * The 8-bit images LLaVA-NeXT's processor normalises: the whole image squashed to {@code base} x {@code base}
     * first, then the tiles of the padded best-resolution image, row-major.
     */
    public static List<RgbImage> tiles(RgbImage img, List<int[]> pinpoints, int tile, int baseH, int baseW, PilResize.Filter filter) {
        int[] best = bestResolution(img.height(), img.width(), pinpoints);
        int[] size = patchOutputSize(img.height(), img.width(), best[0], best[1]);
        RgbImage resized = PilResize.resize(img, size[1], size[0], filter);
        // _pad_for_patching (transformers 4.47): zero padding of (target - new) // 2 on BOTH sides, so an odd
        // difference leaves the canvas one pixel short of the pinpoint; the last row/column of tiles is then partial
        // and the per-tile resize + center crop of _preprocess brings it back to tile size.
        int padY = (best[0] - size[0]) / 2, padX = (best[1] - size[1]) / 2;
        RgbImage padded = RgbImage.filled(size[1] + 2 * padX, size[0] + 2 * padY, 0, 0, 0);
        byte[] dst = padded.data(), src = resized.data();
        for (int y = 0; y < size[0]; y++) {
            System.arraycopy(src, y * size[1] * 3, dst, ((y + padY) * padded.width() + padX) * 3, size[1] * 3);
        }
        List<RgbImage> out = new ArrayList<>();
        out.add(PilResize.resize(img, baseW, baseH, filter));
        for (int y = 0; y < padded.height(); y += tile) {
            for (int x = 0; x < padded.width(); x += tile) {
                out.add(ImageOps.crop(padded, x, y, Math.min(tile, padded.width() - x), Math.min(tile, padded.height() - y)));
            }
        }
        return out;
    }

    /**
     * The original LLaVA-1.6 repo's process_anyres_image: the same tiles, but the resized image is pasted on a full
     * black canvas of the pinpoint ((target - new) // 2 offsets), so the last tiles are never partial.
     */
    public static List<RgbImage> tilesOriginal(RgbImage img, List<int[]> pinpoints, int tile, int base, PilResize.Filter filter) {
        int[] best = bestResolution(img.height(), img.width(), pinpoints);
        int[] size = patchOutputSize(img.height(), img.width(), best[0], best[1]);
        RgbImage resized = PilResize.resize(img, size[1], size[0], filter);
        RgbImage padded = RgbImage.filled(best[1], best[0], 0, 0, 0);
        int padY = (best[0] - size[0]) / 2, padX = (best[1] - size[1]) / 2;
        byte[] dst = padded.data(), src = resized.data();
        for (int y = 0; y < size[0]; y++) System.arraycopy(src, y * size[1] * 3, dst, ((y + padY) * padded.width() + padX) * 3, size[1] * 3);
        List<RgbImage> out = new ArrayList<>();
        out.add(PilResize.resize(img, base, base, filter));
        for (int y = 0; y + tile <= padded.height(); y += tile)
            for (int x = 0; x + tile <= padded.width(); x += tile) out.add(ImageOps.crop(padded, x, y, tile, tile));
        return out;
    }

    /** Grid shape (rows, cols) of tiles for an image: best pinpoint / tile size. */
    public static int[] gridShape(int origH, int origW, List<int[]> pinpoints, int tile) {
        int[] best = bestResolution(origH, origW, pinpoints);
        return new int[] {best[0] / tile, best[1] / tile};
    }

    /**
     * unpad_image on a (C, H, W) feature grid given as its height/width: the rows/columns kept, as
     * {top, bottom, left, right} (exclusive ends).
     */
    public static int[] unpadBounds(int curH, int curW, int origH, int origW) {
        double origAspect = (double) origW / origH, curAspect = (double) curW / curH;
        if (origAspect > curAspect) {
            double scale = (double) curW / origW;
            int newH = (int) roundTo7(origH * scale);
            int pad = (curH - newH) / 2;
            return new int[] {pad, curH - pad, 0, curW};
        }
        double scale = (double) curH / origH;
        int newW = (int) roundTo7(origW * scale);
        int pad = (curW - newW) / 2;
        return new int[] {0, curH, pad, curW - pad};
    }

    /** Python round(x, 7) (round-half-even on the decimal value). */
    private static double roundTo7(double x) {
        return new java.math.BigDecimal(x).setScale(7, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * Packs projected tile features as LLaVA-NeXT does: base tile rows first (no newline), then the grid tiles
     * re-assembled into one (rows*h, cols*w) map, unpadded to the image's aspect, with {@code newline} appended
     * after every row. With a single tile: its rows then one newline.
     *
     * @param tiles   per tile (h*w, hidden), base first
     * @param side    patches per tile side (h = w)
     */
    public static float[] pack(List<float[]> tiles, int side, int hidden, int gridRows, int gridCols, int origH, int origW, float[] newline) {
        if (tiles.size() == 1) {
            float[] out = new float[tiles.getFirst().length + hidden];
            System.arraycopy(tiles.getFirst(), 0, out, 0, tiles.getFirst().length);
            if (newline != null) System.arraycopy(newline, 0, out, tiles.getFirst().length, hidden);
            else return tiles.getFirst().clone();
            return out;
        }
        if (tiles.size() - 1 != gridRows * gridCols) {
            throw new IllegalArgumentException("anyres: " + (tiles.size() - 1) + " tiles for a " + gridRows + "x" + gridCols + " grid");
        }
        int curH = gridRows * side, curW = gridCols * side;
        int[] b = unpadBounds(curH, curW, origH, origW);
        int rows = b[1] - b[0], cols = b[3] - b[2];
        int extra = newline == null ? 0 : 1;
        float[] base = tiles.getFirst();
        float[] out = new float[base.length + rows * (cols + extra) * hidden];
        System.arraycopy(base, 0, out, 0, base.length);
        int o = base.length;
        for (int y = b[0]; y < b[1]; y++) {
            for (int x = b[2]; x < b[3]; x++) {
                int tile = (y / side) * gridCols + (x / side);
                int inTile = (y % side) * side + (x % side);
                System.arraycopy(tiles.get(1 + tile), inTile * hidden, out, o, hidden);
                o += hidden;
            }
            if (newline != null) { System.arraycopy(newline, 0, out, o, hidden); o += hidden; }
        }
        return out;
    }

    /** Number of feature rows {@link #pack} gives (the processor's _get_number_of_features, CLS excluded). */
    public static int packedLength(int origH, int origW, List<int[]> pinpoints, int tile, int side) {
        int[] g = gridShape(origH, origW, pinpoints, tile);
        int curH = g[0] * side, curW = g[1] * side;
        // _get_unpadded_features uses integer arithmetic (may differ from unpad_image's rounding in rare cases)
        double origAspect = (double) origW / origH, curAspect = (double) curW / curH;
        if (origAspect > curAspect) {
            int newH = (origH * curW) / origW;
            curH -= ((curH - newH) / 2) * 2;
        } else {
            int newW = (origW * curH) / origH;
            curW -= ((curW - newW) / 2) * 2;
        }
        return side * side + curH * curW + curH;
    }
}
