package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.WeightMap;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.encoder.InternVitTower;
import io.llava4j.vision.encoder.VisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The vision towers an original-layout LLaVA checkpoint can name in {@code mm_vision_tower}, chosen by the tower
 * folder's config.json (model_type / architectures), with the image processor the LLaVA code pairs with each:
 * <ul>
 *   <li>CLIP ({@code clip_vision_model}): the folder's preprocessor_config.json.</li>
 *   <li>InternViT-6B ({@code intern_vit_6b}, InternVL-Chat on LLaVA): a CLIPImageProcessor hard-coded upstream with
 *       ImageNet mean/std, run at 336 px (the 224 px tower's "224to336" recipe) or at the tower's own size when it
 *       is 448 px (upstream keys this on "448" in the tower path; we key it on the tower's image_size).</li>
 * </ul>
 */
public final class LlavaTowers {
    public record Loaded(VisionTower tower, ClipImageProcessor processor, ClipVisionConfig clipConfig) {}

    private LlavaTowers() {}

    public static Loaded load(Path towerDir, LlavaConfig cfg, WeightMap w, String prefixInCheckpoint) {
        JsonNode tc = Json.read(towerDir.resolve("config.json"));
        String type = Json.stringField(tc, "model_type", "");
        String arch = tc.path("architectures").path(0).asText("");
        if (type.equals("intern_vit_6b") || arch.equals("InternVisionModel")) {
            InternVitTower.Config ic = InternVitTower.Config.fromJson(tc);
            cfg.checkLayer(ic.numLayers());
            int run = ic.imageSize() >= 448 ? ic.imageSize() : 336;
            String prefix = prefixInCheckpoint != null ? prefixInCheckpoint : (w.has("embeddings.class_embedding") ? "" : "vision_model.");
            InternVitTower tower = new InternVitTower(ic, w, prefix, run, cfg.featureLayerIndex(ic.numLayers()));
            JsonNode pc = Json.MAPPER.createObjectNode()
                    .put("do_resize", true).put("resample", 3).put("do_center_crop", true).put("do_rescale", true)
                    .put("rescale_factor", 1.0 / 255).put("do_normalize", true).put("do_convert_rgb", true);
            ((com.fasterxml.jackson.databind.node.ObjectNode) pc).putObject("size").put("shortest_edge", run);
            ((com.fasterxml.jackson.databind.node.ObjectNode) pc).putObject("crop_size").put("height", run).put("width", run);
            ((com.fasterxml.jackson.databind.node.ObjectNode) pc).putArray("image_mean").add(0.485).add(0.456).add(0.406);
            ((com.fasterxml.jackson.databind.node.ObjectNode) pc).putArray("image_std").add(0.229).add(0.224).add(0.225);
            return new Loaded(tower, ClipImageProcessor.fromJson(pc), null);
        }
        if (!type.isEmpty() && !type.equals("clip_vision_model") && !type.equals("clip")) {
            throw new ConfigException(towerDir.resolve("config.json") + ": vision tower model_type '" + type
                    + "' is not supported (clip_vision_model, intern_vit_6b)");
        }
        ClipVisionConfig vc = ClipVisionConfig.fromJson(type.equals("clip") ? tc.path("vision_config") : tc);
        cfg.checkLayer(vc.numLayers());
        Path pp = towerDir.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(pp)) throw new ConfigException("missing file: " + pp);
        String prefix = prefixInCheckpoint != null ? prefixInCheckpoint
                : (w.has("vision_model.embeddings.patch_embedding.weight") ? "vision_model." : "vision_tower.vision_model.");
        return new Loaded(new ClipVisionTower(vc, w, prefix, cfg.featureLayerIndex(vc.numLayers())), ClipImageProcessor.load(pp), vc);
    }
}
