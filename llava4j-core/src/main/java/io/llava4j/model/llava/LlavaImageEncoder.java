package io.llava4j.model.llava;

import io.llava4j.nn.Linear;
import io.llava4j.vision.encoder.VisionTower;
import io.llava4j.vision.projector.MlpProjector;

import java.util.ArrayList;
import java.util.List;

/**
 * pixels (3, S, S) -> CLIP hidden_states[layer] -> drop CLS ("default"/"patch") -> projector -> (tokens, hidden).
 */
public final class LlavaImageEncoder {
    private final LlavaConfig cfg;
    private final VisionTower tower;
    private final MlpProjector projector;

    public LlavaImageEncoder(LlavaConfig cfg, VisionTower tower, MlpProjector projector) {
        this.cfg = cfg;
        this.tower = tower;
        this.projector = projector;
        if (projector.inputDim() != tower.hiddenSize()) {
            throw new IllegalArgumentException("projector takes " + projector.inputDim() + " features but the vision tower gives "
                    + tower.hiddenSize());
        }
    }

    public static MlpProjector loadProjector(io.llava4j.format.WeightMap w, LlavaWeightNames names, String act) {
        List<Linear> ls = new ArrayList<>();
        for (String p : names.projector()) ls.add(Linear.of(w.get(p + ".weight"), w.find(p + ".bias").orElse(null)));
        return new MlpProjector(ls, act);
    }

    /** Selected vision features before the projector: (tokens, mm_hidden). */
    public float[] selectedFeatures(float[] pixels) {
        float[] hs = tower.hiddenState(pixels, cfg.visionFeatureLayer());
        if (cfg.keepCls()) return hs;
        int h = tower.hiddenSize();
        float[] out = new float[hs.length - h];
        System.arraycopy(hs, h, out, 0, out.length);
        return out;
    }

    /** Projected features: (tokens, hidden). */
    public float[] encode(float[] pixels) {
        float[] f = selectedFeatures(pixels);
        return projector.forward(f, f.length / tower.hiddenSize());
    }

    public VisionTower tower() { return tower; }

    /** Feature rows per image: patches (+1 when CLS is kept). */
    public int tokensPerImage() { return tower.numPatches() + (cfg.keepCls() ? 1 : 0); }
    public MlpProjector projector() { return projector; }
}
