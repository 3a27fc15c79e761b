package io.llava4j.model.llavanext;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.vision.encoder.ClipVisionConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * LLaVA-NeXT (LLaVA-1.6) HF configuration ({@code model_type: llava_next}): CLIP tower, MLP projector,
 * LLaMA/Mistral text model, anyres over {@code image_grid_pinpoints} ((height, width) pairs) with an
 * {@code image_newline} vector after every feature row.
 */
public record LlavaNextConfig(DecoderConfig textConfig, ClipVisionConfig visionConfig, int imageTokenId,
                              int visionFeatureLayer, boolean keepCls, String projectorAct, List<int[]> pinpoints) {

    public static LlavaNextConfig fromJson(JsonNode c) {
        JsonNode tc = c.path("text_config");
        DecoderConfig text = DecoderConfig.fromJson(tc.isMissingNode() ? Json.MAPPER.createObjectNode() : tc, "llama");
        JsonNode vc = c.path("vision_config");
        ClipVisionConfig vision = vc.isMissingNode() ? ClipVisionConfig.llavaDefault() : ClipVisionConfig.fromJson(vc);
        String strategy = Json.stringField(c, "vision_feature_select_strategy", "default");
        if (!strategy.equals("default") && !strategy.equals("full")) {
            throw new ConfigException("vision_feature_select_strategy '" + strategy + "' is not supported (default, full)");
        }
        return new LlavaNextConfig(text, vision, Json.intField(c, "image_token_index", 32000, 0, text.vocabSize() - 1),
                Json.intField(c, "vision_feature_layer", -2, -(vision.numLayers() + 1), vision.numLayers()),
                strategy.equals("full"), Json.stringField(c, "projector_hidden_act", "gelu"), pinpoints(c));
    }

    /** image_grid_pinpoints of a config.json (shared with families that reuse the field). */
    public static List<int[]> fromJsonPinpoints(JsonNode c) { return pinpoints(c); }

    /** image_grid_pinpoints as (height, width); the LLaVA-1.6 default when absent. */
    static List<int[]> pinpoints(JsonNode c) {
        JsonNode p = c.path("image_grid_pinpoints");
        List<int[]> out = new ArrayList<>();
        if (p.isMissingNode() || p.isNull()) {
            for (int[] d : new int[][] {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}}) out.add(d);
            return out;
        }
        if (!p.isArray() || p.isEmpty()) throw new ConfigException("config field 'image_grid_pinpoints' must be a list of [height, width] pairs, got " + p);
        for (JsonNode e : p) {
            if (!e.isArray() || e.size() != 2 || !e.get(0).canConvertToInt() || !e.get(1).canConvertToInt() || e.get(0).asInt() <= 0 || e.get(1).asInt() <= 0) {
                throw new ConfigException("config field 'image_grid_pinpoints' has a bad entry " + e + " (expected [height, width])");
            }
            out.add(new int[] {e.get(0).asInt(), e.get(1).asInt()});
        }
        return out;
    }

    public int featureLayerIndex() {
        return visionFeatureLayer < 0 ? visionConfig.numLayers() + 1 + visionFeatureLayer : visionFeatureLayer;
    }
}
