package io.llava4j.train.llava;

import io.llava4j.vision.encoder.VisionTower;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A frozen non-CLIP tower through core's inference implementation (no gradient): hidden_states[layer], CLS dropped
 * unless kept, features cached per image (key and pixel hash) when asked.
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
        this.cache = cache ? new HashMap<>() : null;
    }

    @Override public int rows() { return tower.numPatches() + (keepCls && tower.hasCls() ? 1 : 0); }

    @Override public int dim() { return tower.hiddenSize(); }

    @Override
    public float[] forward(List<float[]> pixels, List<String> keys, boolean training) {
        int per = rows() * dim();
        float[] out = new float[pixels.size() * per];
        for (int i = 0; i < pixels.size(); i++) {
            float[] px = pixels.get(i);
            String key = keys.get(i);
            String k = cache != null && key != null ? key + "#" + px.length + ":" + java.util.Arrays.hashCode(px) : null;
            float[] f = k == null ? null : cache.get(k);
            if (f == null) {
                float[] hs = tower.hiddenState(px, layer);
                f = hs;
                if (tower.hasCls() && !keepCls) {
                    f = new float[hs.length - dim()];
                    System.arraycopy(hs, dim(), f, 0, f.length);
                }
                if (k != null) cache.put(k, f);
            }
            System.arraycopy(f, 0, out, i * per, per);
        }
        return out;
    }

    @Override
    public void backward(float[] dfeatures) {
        throw new IllegalStateException("the vision tower is frozen");
    }
}
