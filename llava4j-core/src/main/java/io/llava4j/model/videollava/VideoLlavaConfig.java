package io.llava4j.model.videollava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.vision.encoder.ClipVisionConfig;

/**
 * Video-LLaVA (HF port, {@code model_type: video_llava}): two CLIP towers of the same shape (image_tower,
 * video_tower), one projector, a LLaMA text model; {@code <image>} and {@code <video>} are expanded by the
 * processor into image_token_index / video_token_index ids.
 *
 * @param dropImageCls vision_feature_select_strategy "default": images drop CLS; videos always keep it
 */
public record VideoLlavaConfig(DecoderConfig textConfig, ClipVisionConfig visionConfig, int imageTokenId,
                               int videoTokenId, int visionFeatureLayer, boolean dropImageCls, String projectorAct) {

    public static VideoLlavaConfig fromJson(JsonNode c) {
        JsonNode tc = c.path("text_config");
        DecoderConfig text = DecoderConfig.fromJson(tc.isMissingNode() ? Json.MAPPER.createObjectNode() : tc, "llama");
        JsonNode vc = c.path("vision_config");
        ClipVisionConfig vision = vc.isMissingNode() ? new ClipVisionConfig(1024, 4096, 16, 24, 224, 14, 3, 1e-5f, "quick_gelu")
                : ClipVisionConfig.fromJson(vc);
        String strategy = Json.stringField(c, "vision_feature_select_strategy", "default");
        if (!strategy.equals("default") && !strategy.equals("full")) {
            throw new ConfigException("vision_feature_select_strategy '" + strategy + "' is not supported (default, full)");
        }
        int layer = Json.intField(c, "vision_feature_layer", -2, -(vision.numLayers() + 1), vision.numLayers());
        return new VideoLlavaConfig(text, vision,
                Json.intField(c, "image_token_index", 32000, 0, text.vocabSize() - 1),
                Json.intField(c, "video_token_index", 32001, 0, text.vocabSize() - 1),
                layer, strategy.equals("default"), Json.stringField(c, "projector_hidden_act", "gelu"));
    }

    /** hidden_states index of the selected layer. */
    public int featureLayerIndex() {
        return visionFeatureLayer < 0 ? visionConfig.numLayers() + 1 + visionFeatureLayer : visionFeatureLayer;
    }

    public int tokensPerImage() { return visionConfig.numPatches() + (dropImageCls ? 0 : 1); }

    /** Videos keep CLS: (patches + 1) per frame. */
    public int tokensPerFrame() { return visionConfig.numPatches() + 1; }
}
