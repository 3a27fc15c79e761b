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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole pipeline from files (PNG decode, processor, tokenizer, tower, projector, splice, LM, greedy loop)
 * against the HF goldens: input ids, merged embeddings, full last-position logits, top-5 at the last three
 * positions, greedy ids, and per-step top-5 while decoding with the KV cache.
 */
class ImageModelGoldenTest {

    /** One golden case: fixture folder, golden keys for prompt and forward, the image file. */
    /** One golden case: fixture folder, golden keys for prompt and forward, the image files and video frames. */
    record Case(String fixture, String promptKey, String forwardKey, List<String> images, List<String> videoFrames) {
        @Override public String toString() { return fixture + "/" + forwardKey; }
    }

    /** Fixture folders holding a model (config.json) and its goldens. */
    static List<Path> modelFixtures() throws IOException {
        try (var dirs = Files.list(Fixtures.shared().resolve("fixtures"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("config.json")) && Files.isRegularFile(d.resolve("golden/golden.json")))
                    .sorted().toList();
        }
    }

    /** Names of the files in {@code dir} matching {@code regex}, sorted. */
    static List<String> files(Path dir, String regex) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.matches(regex)).sorted().toList();
        }
    }

    /**
     * Every model case in the fixtures, found from the goldens rather than listed, so another fixture set (other
     * images, prompts, multi-image or multi-turn cases) is tested the same way: each {@code forward*} entry with
     * {@code top5_last3_positions}, its {@code prompt*} entry (or itself), and its media (see {@link #media}).
     */
    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (Path dir : modelFixtures()) {
            JsonNode g = Fixtures.json(dir.resolve("golden/golden.json"));
            for (String key : (Iterable<String>) g::fieldNames) {
                if (!key.startsWith("forward") || !g.get(key).has("top5_last3_positions")) continue;
                String promptKey = "prompt" + key.substring("forward".length());
                out.add(media(dir, g, g.has(promptKey) ? promptKey : key, key));
            }
        }
        if (out.isEmpty()) throw new IllegalStateException("no model goldens found under " + Fixtures.shared());
        return out;
    }

    /**
     * The media of one case. A video case (key or text names a video): the golden's video_frame_*.png in order. An
     * image case: the files named by {@code image}/{@code images} in the prompt or forward entry; else the golden
     * images whose size is in {@code image_sizes} (rows, cols); else the image whose name shares a word with the key
     * (portrait, landscape_200x150); else the first image of {@code image_preprocessing} (or by name); one per
     * {@code <image>} in the text (InternVL's prompts spell it as id -200).
     */
    static Case media(Path dir, JsonNode g, String promptKey, String key) throws IOException {
        JsonNode prompt = g.get(promptKey), fwd = g.get(key);
        String fixture = dir.getFileName().toString();
        String text = (prompt.has("text") ? prompt.get("text") : prompt.has("prompt_text") ? prompt.get("prompt_text") : prompt.path("conversation")).asText();
        Path gd = dir.resolve("golden");
        if (key.contains("video") || text.contains("<video>")) return new Case(fixture, promptKey, key, List.of(), files(gd, "video_frame_\\d+\\.png"));
        int markers = count(text, "<image>");
        if (markers == 0) for (JsonNode id : prompt.path("input_ids_with_-200")) if (id.asInt() == -200) markers++;
        List<String> images = List.of();
        if (markers > 0) images = imageFiles(g, prompt, fwd, key, markers, files(gd, "img_.*\\.png"), fixture);
        return new Case(fixture, promptKey, key, images, List.of());
    }

    private static List<String> imageFiles(JsonNode g, JsonNode prompt, JsonNode fwd, String key, int markers, List<String> pngs, String fixture) {
        for (JsonNode n : List.of(prompt, fwd)) {
            if (n.has("images")) { List<String> l = new ArrayList<>(); n.get("images").forEach(e -> l.add(e.asText())); return l; }
            if (n.has("image")) return Collections.nCopies(markers, n.get("image").asText());
        }
        if (prompt.has("image_sizes")) {
            List<String> l = new ArrayList<>();
            for (JsonNode hw : prompt.get("image_sizes")) {
                String want = hw.get(1).asInt() + "x" + hw.get(0).asInt();
                l.add(pngs.stream().filter(f -> f.endsWith("_" + want + ".png")).findFirst()
                        .orElseThrow(() -> new IllegalStateException(fixture + "/" + key + ": no golden image of size " + want)));
            }
            return l;
        }
        for (String f : pngs) {
            String stem = f.substring(4, f.length() - 4);
            if (key.contains(stem) || key.contains(stem.split("_")[0])) return Collections.nCopies(markers, f);
        }
        JsonNode pre = g.path("image_preprocessing");
        return Collections.nCopies(markers, pre.isObject() && pre.size() > 0 ? "img_" + pre.fieldNames().next() + ".png" : pngs.get(0));
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    /** Every model fixture yields at least one case, and the cases found name media files that exist. */
    @Test
    void everyModelFixtureHasCases() throws Exception {
        List<Case> all = cases();
        all.forEach(c -> System.out.println("[case] " + c + " images=" + c.images() + " frames=" + c.videoFrames().size()));
        for (Case c : all) {
            for (String f : c.images()) assertTrue(Files.isRegularFile(Fixtures.dir(c.fixture()).resolve("golden").resolve(f)), c + ": " + f);
        }
        for (Path dir : modelFixtures()) {
            if (!Fixtures.json(dir.resolve("golden/golden.json")).has("image_token_id")) continue;
            String name = dir.getFileName().toString();
            assertTrue(all.stream().anyMatch(c -> c.fixture().equals(name)), "no golden case found for " + name);
        }
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
