package io.llava4j.train.llava;

import io.llava4j.vision.encoder.VisionTower;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A frozen tower (core's inference implementation, no gradient): hidden_states[layer], CLS dropped unless kept. With
 * caching, the features of an image (by its key and pixel hash) are computed once: the tower is frozen and
 * deterministic, so every epoch after the first skips it.
 */
final class FrozenVisionPath implements VisionPath {
    private final VisionTower tower;
    private final int layer;
    private final boolean keepCls;
    private final Map<String, float[]> cache;

    FrozenVisionPath(VisionTower tower, int layer, boolean keepCls, boolean cache) {
        this.tower = tower;
        this.layer = layer;
        this.keepCls = keepCls;
        this.cache = cache ? new LinkedHashMap<>() : null;
    }

    @Override public int rows() { return tower.numPatches() + (keepCls && tower.hasCls() ? 1 : 0); }

    @Override public int dim() { return tower.hiddenSize(); }

    @Override
    public float[] forward(float[] pixels, String key, int slot, boolean training) {
        String k = cache != null && key != null ? key + "#" + pixels.length + ":" + java.util.Arrays.hashCode(pixels) : null;
        if (k != null) {
            float[] hit = cache.get(k);
            if (hit != null) return hit;
        }
        float[] hs = tower.hiddenState(pixels, layer);
        float[] f = hs;
        if (tower.hasCls() && !keepCls) {
            int h = tower.hiddenSize();
            f = new float[hs.length - h];
            System.arraycopy(hs, h, f, 0, f.length);
        }
        if (k != null) cache.put(k, f);
        return f;
    }

    @Override
    public void backward(float[] dfeatures, int slot) {
        throw new IllegalStateException("the vision tower is frozen");
    }
}
