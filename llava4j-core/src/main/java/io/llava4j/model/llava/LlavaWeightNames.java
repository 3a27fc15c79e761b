package io.llava4j.model.llava;

import io.llava4j.format.CheckpointException;
import io.llava4j.format.WeightMap;

/**
 * Where each part of a LLaVA checkpoint lives, for every spelling we accept:
 * <pre>
 *   part            HF (save_pretrained, v4)          newer transformers (>= 4.52)    original LLaVA
 *   decoder         language_model.model.*            model.language_model.*          model.*
 *   lm_head         language_model.lm_head.weight     lm_head.weight                  lm_head.weight
 *   vision tower    vision_tower.vision_model.*       model.vision_tower.vision_model.* model.vision_tower.vision_tower.vision_model.* (often absent)
 *   projector i     multi_modal_projector.linear_{i+1} model.multi_modal_projector.linear_{i+1}  model.mm_projector.{2i}
 * </pre>
 */
public record LlavaWeightNames(String decoderPrefix, String lmHead, String visionPrefix, String[] projector) {

    public static LlavaWeightNames detect(WeightMap w, int projectorDepth) {
        if (w.has("language_model.model.embed_tokens.weight")) {
            return new LlavaWeightNames("language_model.model.", "language_model.lm_head.weight",
                    firstPresent(w, "vision_tower.vision_model.", "vision_tower.", "model.vision_tower.vision_model."),
                    hfProjector("multi_modal_projector.", projectorDepth));
        }
        if (w.has("model.language_model.embed_tokens.weight")) {
            return new LlavaWeightNames("model.language_model.", "lm_head.weight",
                    firstPresent(w, "model.vision_tower.vision_model.", "model.vision_tower."),
                    hfProjector("model.multi_modal_projector.", projectorDepth));
        }
        if (w.has("model.embed_tokens.weight")) {
            String[] proj = new String[projectorDepth];
            for (int i = 0; i < projectorDepth; i++) proj[i] = projectorDepth == 1 && w.has("model.mm_projector.weight")
                    ? "model.mm_projector" : "model.mm_projector." + (2 * i);
            return new LlavaWeightNames("model.", "lm_head.weight",
                    firstPresent(w, "model.vision_tower.vision_tower.vision_model.", "model.vision_tower.vision_model."), proj);
        }
        throw new CheckpointException("not a LLaVA checkpoint: no token embeddings found under language_model.model., "
                + "model.language_model. or model. (" + w.names().size() + " tensors)");
    }

    private static String[] hfProjector(String prefix, int depth) {
        String[] p = new String[depth];
        for (int i = 0; i < depth; i++) p[i] = prefix + "linear_" + (i + 1);
        return p;
    }

    /** The first prefix whose patch embedding exists, or null when the checkpoint has no tower. */
    private static String firstPresent(WeightMap w, String... prefixes) {
        for (String p : prefixes) if (w.has(p + "embeddings.patch_embedding.weight")) return p;
        return null;
    }
}
