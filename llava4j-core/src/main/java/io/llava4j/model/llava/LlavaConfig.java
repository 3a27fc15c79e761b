package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.vision.encoder.ClipVisionConfig;

/**
 * LLaVA-1.5 configuration, from either checkpoint layout:
 * <ul>
 *   <li>HF ({@code model_type: llava}, llava-hf/*): nested text_config / vision_config, image_token_index,
 *       vision_feature_layer, vision_feature_select_strategy, projector_hidden_act; the processor expands
 *       each {@code <image>} into N image-token ids.</li>
 *   <li>Original (haotian-liu/LLaVA, {@code llava_llama}/{@code LlavaLlamaForCausalLM}): a flat LlamaConfig plus
 *       mm_* fields; the vision tower comes from {@code mm_vision_tower}; each {@code <image>} becomes the
 *       sentinel -200.</li>
 * </ul>
 *
 * @param visionConfig null for the original layout until the tower folder is read (see {@link #withVisionConfig})
 * @param imageTokenId HF: the vocab id that marks image rows; original: -200
 * @param keepCls      vision_feature_select_strategy "full" / mm_vision_select_feature "cls_patch"
 * @param padToSquare  image_aspect_ratio "pad": expand2square with the mean colour before the CLIP processor
 */
public record LlavaConfig(Layout layout, DecoderConfig textConfig, ClipVisionConfig visionConfig, int imageTokenId,
                          int padTokenId, int visionFeatureLayer, boolean keepCls, String projectorType,
                          String projectorAct, boolean padToSquare, String mmVisionTower) {

    public enum Layout { HF, ORIGINAL }

    /** Sentinel id used by the original LLaVA code for an image (IMAGE_TOKEN_INDEX). */
    public static final int IMAGE_SENTINEL = -200;

    public static LlavaConfig fromJson(JsonNode c) {
        String type = Json.stringField(c, "model_type", "");
        boolean hf = c.has("text_config") || c.has("vision_config") || type.equals("llava") && !c.has("mm_vision_tower");
        return hf ? fromHf(c) : fromOriginal(c);
    }

    private static LlavaConfig fromHf(JsonNode c) {
        JsonNode tc = c.path("text_config");
        DecoderConfig text = DecoderConfig.fromJson(tc.isMissingNode() ? Json.MAPPER.createObjectNode() : tc, "llama");
        JsonNode vc = c.path("vision_config");
        ClipVisionConfig vision = vc.isMissingNode() ? ClipVisionConfig.llavaDefault() : ClipVisionConfig.fromJson(vc);
        String vtype = Json.stringField(vc, "model_type", "clip_vision_model");
        if (!vtype.equals("clip_vision_model")) throw new ConfigException("vision_config.model_type '" + vtype + "' is not supported for llava (expected clip_vision_model)");
        String strategy = Json.stringField(c, "vision_feature_select_strategy", "default");
        if (!strategy.equals("default") && !strategy.equals("full")) {
            throw new ConfigException("vision_feature_select_strategy '" + strategy + "' is not supported (default, full)");
        }
        if (c.has("vision_feature_layer") && !c.get("vision_feature_layer").isInt()) {
            throw new ConfigException("vision_feature_layer " + c.get("vision_feature_layer") + " is not supported (a single layer index is)");
        }
        int layer = Json.intField(c, "vision_feature_layer", -2, -(vision.numLayers() + 1), vision.numLayers());
        return new LlavaConfig(Layout.HF, text, vision,
                Json.intField(c, "image_token_index", 32000, 0, text.vocabSize() - 1),
                Json.intField(c, "pad_token_id", -1, -1, Integer.MAX_VALUE),
                layer, strategy.equals("full"), "mlp2x_gelu",
                Json.stringField(c, "projector_hidden_act", "gelu"), false, null);
    }

    private static LlavaConfig fromOriginal(JsonNode c) {
        String type = Json.stringField(c, "model_type", "llava_llama");
        String textType = switch (type) {
            case "llava", "llava_llama", "llama" -> "llama";
            case "llava_mistral", "mistral" -> "mistral";
            case "llava_qwen", "qwen2" -> "qwen2";
            default -> throw new ConfigException("model_type '" + type + "' is not a LLaVA model this loader knows");
        };
        var flat = ((com.fasterxml.jackson.databind.node.ObjectNode) c.deepCopy()).put("model_type", textType);
        DecoderConfig text = DecoderConfig.fromJson(flat, textType);
        String feature = Json.stringField(c, "mm_vision_select_feature", "patch");
        if (!feature.equals("patch") && !feature.equals("cls_patch")) {
            throw new ConfigException("mm_vision_select_feature '" + feature + "' is not supported (patch, cls_patch)");
        }
        String tower = Json.stringField(c, "mm_vision_tower", Json.stringField(c, "vision_tower", null));
        if (tower == null) throw new ConfigException("config field 'mm_vision_tower' is missing (original LLaVA layout)");
        String aspect = Json.stringField(c, "image_aspect_ratio", "square");
        String mergeType = Json.stringField(c, "mm_patch_merge_type", "flat");
        if (!mergeType.equals("flat")) throw new ConfigException("mm_patch_merge_type '" + mergeType + "' is not supported by the LLaVA-1.5 family (flat)");
        if (Json.boolField(c, "mm_use_im_start_end", false)) throw new ConfigException("mm_use_im_start_end=true is not supported yet");
        String projector = Json.stringField(c, "mm_projector_type", "linear");
        io.llava4j.vision.projector.MlpProjector.depth(projector); // validates
        return new LlavaConfig(Layout.ORIGINAL, text, null, IMAGE_SENTINEL, Json.intField(c, "pad_token_id", 0, -1, Integer.MAX_VALUE),
                Json.intField(c, "mm_vision_select_layer", -2, -1000, 1000), feature.equals("cls_patch"),
                projector, "gelu", aspect.equals("pad"), tower);
    }

    public LlavaConfig withVisionConfig(ClipVisionConfig v) {
        checkLayer(v.numLayers());
        return new LlavaConfig(layout, textConfig, v, imageTokenId, padTokenId, visionFeatureLayer, keepCls, projectorType,
                projectorAct, padToSquare, mmVisionTower);
    }

    /** Throws unless the feature layer exists in a tower of {@code layers} blocks. */
    public void checkLayer(int layers) {
        if (visionFeatureLayer < -(layers + 1) || visionFeatureLayer > layers) {
            throw new ConfigException("vision feature layer " + visionFeatureLayer + " is out of range for a " + layers + "-layer tower");
        }
    }

    /** hidden_states index (0..layers) of the selected vision layer in a tower of {@code layers} blocks. */
    public int featureLayerIndex(int layers) {
        return visionFeatureLayer < 0 ? layers + 1 + visionFeatureLayer : visionFeatureLayer;
    }

    /** hidden_states index of the selected layer in the configured CLIP tower (HF layout). */
    public int featureLayerIndex() { return featureLayerIndex(visionConfig.numLayers()); }
}
