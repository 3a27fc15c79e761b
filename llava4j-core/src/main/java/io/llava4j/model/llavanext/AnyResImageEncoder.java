package io.llava4j.model.llavanext;

import io.llava4j.media.RgbImage;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.preprocess.AnyRes;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import io.llava4j.vision.preprocess.PilResize;
import io.llava4j.vision.projector.MlpProjector;

import java.util.ArrayList;
import java.util.List;

/**
 * One image through LLaVA-NeXT: anyres tiles (base first) -> CLIP layer -> drop CLS -> projector per tile ->
 * packed (base, then the unpadded grid with a newline after every row): (rows, hidden).
 */
public final class AnyResImageEncoder {
    private final ClipImageProcessor processor;
    private final ClipVisionTower tower;
    private final MlpProjector projector;
    private final List<int[]> pinpoints;
    private final int layer, tile, baseSize;
    private final boolean keepCls;
    private final float[] newline;
    private final PilResize.Filter filter;
    private final boolean originalPadding;

    public AnyResImageEncoder(ClipImageProcessor processor, ClipVisionTower tower, MlpProjector projector, List<int[]> pinpoints,
                              int layer, boolean keepCls, float[] newline) {
        this(processor, tower, projector, pinpoints, layer, keepCls, newline, false);
    }

    /** @param originalPadding the original LLaVA-1.6 repo's full-canvas padding instead of transformers' */
    public AnyResImageEncoder(ClipImageProcessor processor, ClipVisionTower tower, MlpProjector projector, List<int[]> pinpoints,
                              int layer, boolean keepCls, float[] newline, boolean originalPadding) {
        this.originalPadding = originalPadding;
        this.processor = processor; this.tower = tower; this.projector = projector; this.pinpoints = pinpoints;
        this.layer = layer; this.keepCls = keepCls; this.newline = newline;
        var c = processor.config();
        this.tile = c.doCenterCrop() ? c.cropHeight() : tower.inputSize();
        this.baseSize = c.shortestEdge() > 0 ? c.shortestEdge() : c.resizeHeight();
        this.filter = c.resample();
    }

    /** Pixel tensors (3, S, S) of every tile, base first. */
    public List<float[]> pixels(RgbImage img) {
        List<float[]> out = new ArrayList<>();
        List<RgbImage> tiles = originalPadding ? AnyRes.tilesOriginal(img, pinpoints, tile, baseSize, filter)
                : AnyRes.tiles(img, pinpoints, tile, baseSize, baseSize, filter);
        for (RgbImage t : tiles) out.add(processor.preprocess(t).data());
        return out;
    }

    /** Feature rows the image becomes (what the processor expands {@code <image>} into). */
    public int tokens(RgbImage img) {
        int side = tower.config().grid();
        return AnyRes.packedLength(img.height(), img.width(), pinpoints, tile, side) + (keepCls ? 1 : 0);
    }

    public float[] encode(RgbImage img) {
        int h = tower.hiddenSize();
        List<float[]> projected = new ArrayList<>();
        for (float[] px : pixels(img)) {
            float[] hs = tower.hiddenState(px, layer);
            float[] sel = keepCls ? hs : java.util.Arrays.copyOfRange(hs, h, hs.length);
            projected.add(projector.forward(sel, sel.length / h));
        }
        int side = tower.config().grid();
        int[] g = AnyRes.gridShape(img.height(), img.width(), pinpoints, tower.inputSize());
        return AnyRes.pack(projected, keepCls ? -1 : side, projector.outputDim(), g[0], g[1], img.height(), img.width(), newline);
    }
}
