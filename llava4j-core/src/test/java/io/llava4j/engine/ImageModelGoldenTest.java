package io.llava4j.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Npy;
import io.llava4j.generate.SamplingParams;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole pipeline from files (PNG decode, processor, tokenizer, tower, projector, splice, LM, greedy loop)
 * against the HF goldens: input ids, merged embeddings, full last-position logits, top-5 at the last three
 * positions, greedy ids, and per-step top-5 while decoding with the KV cache.
 */
class ImageModelGoldenTest {

    /** One golden case: fixture folder, golden keys for prompt and forward, the image file. */
    record Case(String fixture, String promptKey, String forwardKey, List<String> images, List<String> videoFrames) {
        Case(String fixture, String promptKey, String forwardKey, String image) {
            this(fixture, promptKey, forwardKey, List.of(image), List.of());
        }
        @Override public String toString() { return fixture + "/" + forwardKey; }
    }

    static final List<String> FRAMES = java.util.stream.IntStream.range(0, 8).mapToObj(i -> "video_frame_0" + i + ".png").toList();

    static List<Case> cases() {
        return List.of(
                new Case("llava-1.5-tiny", "prompt", "forward", "img_landscape_200x150.png"),
                new Case("llava-1.5-tiny", "prompt_portrait", "forward_portrait", "img_portrait_120x240.png"),
                new Case("llava-1.5-tiny-original-layout", "prompt", "forward", "img_landscape_200x150.png"),
                new Case("video-llava-tiny", "prompt_image", "forward_image", "img_landscape_200x150.png"),
                new Case("video-llava-tiny", "prompt_video", "forward_video", List.of(), FRAMES),
                new Case("internvl-chat-tiny", "forward_main", "forward_main", "img_landscape_200x150.png"),
                new Case("llava-next-mistral-tiny", "prompt_landscape_200x150", "forward_landscape_200x150", "img_landscape_200x150.png"),
                new Case("llava-next-mistral-tiny", "prompt_portrait_120x240", "forward_portrait_120x240", "img_portrait_120x240.png"),
                new Case("llava-next-video-tiny", "prompt_image", "forward_image", "img_landscape_200x150.png"),
                new Case("llava-next-video-tiny", "prompt_video", "forward_video", List.of(), FRAMES),
                new Case("llava-onevision-qwen2-tiny", "prompt_landscape_200x150", "forward_landscape_200x150", "img_landscape_200x150.png"),
                new Case("llava-onevision-qwen2-tiny", "prompt_portrait_120x240", "forward_portrait_120x240", "img_portrait_120x240.png"),
                new Case("llava-onevision-qwen2-tiny", "prompt_video", "forward_video", List.of(), FRAMES),
                new Case("pllava-tiny", "prompt_video", "forward_video", List.of(), FRAMES),
                new Case("pllava-tiny", "prompt_text_only", "forward_text_only", List.of(), List.of()),
                new Case("llava-next-vicuna-tiny", "prompt_landscape_200x150", "forward_landscape_200x150", "img_landscape_200x150.png"),
                new Case("llava-next-vicuna-tiny", "prompt_portrait_120x240", "forward_portrait_120x240", "img_portrait_120x240.png"),
                new Case("internvl-chat-tiny", "forward_portrait", "forward_portrait", "img_portrait_120x240.png"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void pipelineMatchesGoldens(Case c) throws Exception {
        Path dir = Fixtures.dir(c.fixture());
        JsonNode g = Fixtures.golden(c.fixture());
        JsonNode prompt = g.get(c.promptKey()), fwd = g.get(c.forwardKey());
        try (VisionLanguageModel m = ModelRegistry.load(dir, LoadOptions.defaults())) {
            List<RgbImage> imgs = c.images().stream().map(f -> ImageDecoder.decode(dir.resolve("golden").resolve(f))).toList();
            List<List<RgbImage>> vids = c.videoFrames().isEmpty() ? List.of()
                    : List.of(c.videoFrames().stream().map(f -> ImageDecoder.decode(dir.resolve("golden").resolve(f))).toList());
            MultimodalPrompt p = m.prepare((prompt.has("text") ? prompt.get("text") : prompt.get("prompt_text")).asText(), imgs, vids);
            JsonNode idsNode = prompt.has("input_ids") ? prompt.get("input_ids") : prompt.get("input_ids_with_-200");
            assertArrayEquals(ints(idsNode), p.inputIds(), c + " input_ids");

            DecoderLm lm = m.languageModel();
            int n = p.length(), vocab = lm.config().vocabSize();
            float[] emb = p.embeddings(lm);
            if (fwd.has("merged_inputs_embeds")) {
                JsonNode me = fwd.get("merged_inputs_embeds");
                checkStats(c + " merged inputs_embeds", emb, me.has("all") ? me.get("all") : me);
            }
            KvCache cache = lm.newCache(n + 16);
            float[] all = lm.forward(emb, n, cache, true);
            if (fwd.has("last_logits_file")) {
                double[] goldLast = Npy.read(dir.resolve("golden").resolve(fwd.get("last_logits_file").asText())).values();
                // Original-layout goldens are restricted to the first 32000 ids (same as its vocab).
                float[] last = new float[goldLast.length];
                System.arraycopy(all, (n - 1) * vocab, last, 0, goldLast.length);
                Diff.assertClose(c + " last-position logits (full vocab)", last, goldLast, 1e-4);
            } else if (fwd.has("last_logits_stats")) {
                float[] last = new float[vocab];
                System.arraycopy(all, (n - 1) * vocab, last, 0, vocab);
                checkStats(c + " last-position logits (stats)", last, fwd.get("last_logits_stats"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = fwd.get("top5_last3_positions").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int pos = Integer.parseInt(e.getKey());
                float[] row = new float[vocab];
                System.arraycopy(all, pos * vocab, row, 0, vocab);
                checkTop5(c + " top5 @" + pos, row, e.getValue());
            }

            // Greedy generation through the engine (KV cache), and per-step top-5 on a second cached run.
            if (!fwd.has("greedy_new_ids")) return;
            int[] expected = ints(fwd.get("greedy_new_ids"));
            Generator.Result r = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(expected.length), null);
            assertArrayEquals(expected, r.tokenIds(), c + " greedy ids");
            System.out.println("[ok] " + c + " greedy ids identical (" + expected.length + ")");
            if (fwd.has("greedy_step_top5")) {
                KvCache c2 = lm.newCache(n + expected.length);
                float[] step = lm.forward(p.embeddings(lm), n, c2, false);
                float[] x = new float[lm.config().hiddenSize()];
                for (int s = 0; s < expected.length; s++) {
                    checkTop5(c + " step " + s + " top5", step, fwd.get("greedy_step_top5").get(s));
                    lm.embed(expected[s], x, 0);
                    step = lm.forward(x, 1, c2, false);
                }
            }
        }
    }

    static void checkTop5(String what, float[] logits, JsonNode gold) {
        int[] ids = new int[gold.size()];
        float[] got = new float[gold.size()];
        double[] exp = new double[gold.size()];
        int[] mine = TopK.of(logits, gold.size());
        for (int i = 0; i < ids.length; i++) {
            ids[i] = gold.get(i).get(0).asInt();
            exp[i] = gold.get(i).get(1).asDouble();
            got[i] = logits[ids[i]];
        }
        assertArrayEquals(ids, mine, what + " ids");
        double d = Diff.maxAbs(got, exp);
        if (d > 1e-4) throw new AssertionError(what + " logits differ by " + d);
    }

    static void checkStats(String what, float[] a, JsonNode stats) {
        double sum = 0, mabs = 0;
        for (float v : a) { sum += v; mabs += Math.abs(v); }
        Diff.assertClose(what + " sum", sum, stats.get("sum").asDouble(), 1e-3);
        Diff.assertClose(what + " mean_abs", mabs / a.length, stats.get("mean_abs").asDouble(), 1e-5);
        long size = 1;
        for (JsonNode d : stats.get("shape")) size *= d.asLong();
        assertEquals(size, a.length, what + " size");
    }

    static int[] ints(JsonNode n) {
        List<Integer> l = new ArrayList<>();
        n.forEach(e -> l.add(e.asInt()));
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
