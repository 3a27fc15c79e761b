package io.llava4j.model.videollava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.llm.DecoderConfig;

/**
 * The original PKU-YuanGroup Video-LLaVA checkpoint ({@code LanguageBind/Video-LLaVA-7B}: LlavaLlamaForCausalLM with
 * {@code mm_image_tower} / {@code mm_video_tower}), flat LLaMA fields plus mm_* fields. Towers: LanguageBind_Image and
 * LanguageBind_Video_merge (ViT-L/14 at 224; the video one with temporal attention); their weights are saved inside
 * the checkpoint as {@code model.image_tower.image_tower.*} / {@code model.video_tower.video_tower.*}.
 *
 * @param imageTower    mm_image_tower (folder or repo id; its config.json gives the tower's hyper-parameters)
 * @param videoTower    mm_video_tower
 * @param selectLayer   mm_vision_select_layer (hidden_states index, negative from the end)
 * @param imageKeepCls  mm_vision_select_feature "cls_patch" (images; videos always keep CLS upstream)
 * @param padToSquare   image_aspect_ratio "pad" (images)
 */
public record OriginalVideoLlavaConfig(DecoderConfig textConfig, String imageTower, String videoTower, int selectLayer,
                                       boolean imageKeepCls, String projectorType, boolean padToSquare) {

    /** Both towers named: the original Video-LLaVA layout. */
    public static boolean matches(JsonNode c) {
        return c.hasNonNull("mm_video_tower") && !c.has("text_config");
    }

    public static OriginalVideoLlavaConfig fromJson(JsonNode c) {
        String type = Json.stringField(c, "model_type", "llava");
        if (!type.equals("llava") && !type.equals("llava_llama") && !type.equals("llama")) {
            throw new ConfigException("model_type '" + type + "' is not an original Video-LLaVA (LLaMA) checkpoint");
        }
        DecoderConfig text = DecoderConfig.fromJson(((ObjectNode) c.deepCopy()).put("model_type", "llama"), "llama");
        String feature = Json.stringField(c, "mm_vision_select_feature", "patch");
        if (!feature.equals("patch") && !feature.equals("cls_patch")) {
            throw new ConfigException("mm_vision_select_feature '" + feature + "' is not supported (patch, cls_patch)");
        }
        if (Json.boolField(c, "mm_use_im_start_end", false)) throw new ConfigException("mm_use_im_start_end=true is not supported yet");
        String projector = Json.stringField(c, "mm_projector_type", "linear");
        io.llava4j.vision.projector.MlpProjector.depth(projector); // validates
        return new OriginalVideoLlavaConfig(text, Json.stringField(c, "mm_image_tower", null), Json.stringField(c, "mm_video_tower", null),
                Json.intField(c, "mm_vision_select_layer", -2, -1000, 1000), feature.equals("cls_patch"), projector,
                Json.stringField(c, "image_aspect_ratio", "square").equals("pad"));
    }

    /** hidden_states index of the selected layer for a tower of {@code layers} blocks. */
    public int featureLayerIndex(int layers) {
        int idx = selectLayer < 0 ? layers + 1 + selectLayer : selectLayer;
        if (idx < 0 || idx > layers) throw new ConfigException("mm_vision_select_layer " + selectLayer + " is out of range for a tower of " + layers + " layers");
        return idx;
    }
}
