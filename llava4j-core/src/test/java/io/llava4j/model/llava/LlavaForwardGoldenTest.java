package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.format.Npy;
import io.llava4j.format.SafetensorsFile;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import io.llava4j.vision.encoder.ClipVisionTower;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The model math alone (golden pixels and ids in, no tokenizer or image code) against the HF goldens. */
class LlavaForwardGoldenTest {

    static void checkStats(String what, float[] a, JsonNode stats, double tol) {
        double sum = 0, mabs = 0;
        for (float v : a) { sum += v; mabs += Math.abs(v); }
        mabs /= a.length;
        Diff.assertClose(what + " sum", sum, stats.get("sum").asDouble(), tol * Math.max(1, a.length / 10.0));
        Diff.assertClose(what + " mean_abs", mabs, stats.get("mean_abs").asDouble(), tol);
        JsonNode first = stats.get("first");
        double[] exp = new double[first.size()];
        float[] act = new float[first.size()];
        for (int i = 0; i < exp.length; i++) { exp[i] = first.get(i).asDouble(); act[i] = a[i]; }
        Diff.assertClose(what + " first" + exp.length, act, exp, tol);
    }

    @Test
    void hfLayoutMatchesGoldens() throws Exception {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        JsonNode g = Fixtures.golden("llava-1.5-tiny");
        LlavaConfig cfg = LlavaConfig.fromJson(Json.read(dir.resolve("config.json")));
        try (SafetensorsFile w = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            LlavaWeightNames names = LlavaWeightNames.detect(w, 2);
            ClipVisionTower tower = new ClipVisionTower(cfg.visionConfig(), w, names.visionPrefix(), cfg.featureLayerIndex());
            LlavaImageEncoder enc = new LlavaImageEncoder(cfg, tower, LlavaImageEncoder.loadProjector(w, names, cfg.projectorAct()));
            float[] pixels = Npy.read(dir.resolve("golden/llava_pixel_values_landscape_200x150.npy")).floats();
            JsonNode f = g.get("forward");
            float[] hs = tower.hiddenState(pixels, cfg.visionFeatureLayer());
            checkStats("vision selected layer", hs, f.get("vision_tower").get(0).get("selected_hidden_state"), 1e-4);
            float[] sel = enc.selectedFeatures(pixels);
            checkStats("projector input", sel, f.get("projector").get(0).get("input"), 1e-4);
            float[] feats = enc.encode(pixels);
            checkStats("projector output", feats, f.get("projector").get(0).get("output"), 1e-4);

            DecoderLm lm = new DecoderLm(cfg.textConfig(), w, names.decoderPrefix(), names.lmHead());
            int[] ids = toInts(g.get("prompt").get("input_ids"));
            MultimodalPrompt p = MultimodalPrompt.fromExpandedIds(ids, cfg.imageTokenId(), List.of(feats), List.of(feats.length / 32));
            float[] emb = p.embeddings(lm);
            checkStats("merged inputs_embeds", emb, f.get("merged_inputs_embeds").get("all"), 1e-4);
            KvCache cache = lm.newCache(64);
            float[] logits = lm.forward(emb, ids.length, cache, true);
            int vocab = cfg.textConfig().vocabSize();
            float[] last = new float[vocab];
            System.arraycopy(logits, (ids.length - 1) * vocab, last, 0, vocab);
            Diff.assertClose("last-position logits", last, Npy.read(dir.resolve("golden/" + f.get("last_logits_file").asText())).values(), 1e-4);
            // greedy with cache
            int[] expected = toInts(f.get("greedy_new_ids"));
            int[] got = new int[expected.length];
            float[] step = last;
            for (int s = 0; s < expected.length; s++) {
                int next = argmax(step);
                got[s] = next;
                float[] x = new float[cfg.textConfig().hiddenSize()];
                lm.embed(next, x, 0);
                step = lm.forward(x, 1, cache, false);
            }
            assertArrayEquals(expected, got, "greedy ids");
            assertEquals(ids.length + expected.length, cache.length());
        }
    }

    static int argmax(float[] a) {
        int b = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
        return b;
    }

    static int[] toInts(JsonNode n) {
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asInt();
        return a;
    }
}
