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
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Every model case in the fixtures, found from the goldens rather than listed, so another fixture set (other
     * images, prompts, multi-image or multi-turn cases) is tested the same way: each {@code forward*} entry with
     * {@code top5_last3_positions}, its {@code prompt*} entry (or itself), and its media (see {@link #media}).
     */
    static List<Case> cases() throws java.io.IOException {
        List<Case> out = new ArrayList<>();
        try (var dirs = java.nio.file.Files.list(Fixtures.shared().resolve("fixtures"))) {
            for (Path dir : dirs.sorted().toList()) {
                Path golden = dir.resolve("golden/golden.json");
                if (!java.nio.file.Files.isRegularFile(golden) || !java.nio.file.Files.isRegularFile(dir.resolve("config.json"))) continue;
                JsonNode g = Fixtures.json(golden);
                for (String key : (Iterable<String>) () -> g.fieldNames()) {
                    if (!key.startsWith("forward") || !g.get(key).has("top5_last3_positions")) continue;
                    String promptKey = "prompt" + key.substring("forward".length());
                    if (!g.has(promptKey)) promptKey = key;
                    out.add(media(dir, g, promptKey, key));
                }
            }
        }
        if (out.isEmpty()) throw new IllegalStateException("no model goldens found under " + Fixtures.shared());
        return out;
    }

    /**
     * The media of one case. A video case (key or text names a video): the golden's video_frame_*.png in order. An
     * image case: the files named by {@code image}/{@code images} in the prompt or forward entry; else the golden
     * images whose size is in {@code image_sizes} (rows, cols); else the image whose name shares a word with the key
     * (portrait, landscape_200x150); else the first image of {@code image_preprocessing} (or by name); one per {@code <image>}
     * in the text (InternVL's prompts spell it as id -200).
     */
    static Case media(Path dir, JsonNode g, String promptKey, String key) throws java.io.IOException {
        JsonNode prompt = g.get(promptKey), fwd = g.get(key);
        String fixture = dir.getFileName().toString();
        String text = (prompt.has("text") ? prompt.get("text") : prompt.has("prompt_text") ? prompt.get("prompt_text") : prompt.path("conversation")).asText();
        Path gd = dir.resolve("golden");
        if (key.contains("video") || text.contains("<video>")) {
            try (var files = java.nio.file.Files.list(gd)) {
                List<String> frames = files.map(f -> f.getFileName().toString()).filter(f -> f.matches("video_frame_\\d+\\.png")).sorted().toList();
                return new Case(fixture, promptKey, key, List.of(), frames);
            }
        }
        int markers = count(text, "<image>");
        if (markers == 0 && (prompt.has("input_ids_with_-200"))) for (JsonNode id : prompt.get("input_ids_with_-200")) if (id.asInt() == -200) markers++;
        if (markers == 0) return new Case(fixture, promptKey, key, List.of(), List.of());
        for (JsonNode n : List.of(prompt, fwd)) {
            if (n.has("images")) { List<String> l = new ArrayList<>(); n.get("images").forEach(e -> l.add(e.asText())); return new Case(fixture, promptKey, key, l, List.of()); }
            if (n.has("image")) return new Case(fixture, promptKey, key, java.util.Collections.nCopies(markers, n.get("image").asText()), List.of());
        }
        List<String> pngs;
        try (var files = java.nio.file.Files.list(gd)) {
            pngs = files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("img_") && f.endsWith(".png")).sorted().toList();
        }
        if (prompt.has("image_sizes")) {
            List<String> l = new ArrayList<>();
            for (JsonNode hw : prompt.get("image_sizes")) {
                String want = hw.get(1).asInt() + "x" + hw.get(0).asInt();
                l.add(pngs.stream().filter(f -> f.endsWith("_" + want + ".png")).findFirst()
                        .orElseThrow(() -> new IllegalStateException(fixture + "/" + key + ": no golden image of size " + want)));
            }
            return new Case(fixture, promptKey, key, l, List.of());
        }
        for (String f : pngs) {
            String stem = f.substring(4, f.length() - 4);
            if (key.contains(stem) || key.contains(stem.split("_")[0])) return new Case(fixture, promptKey, key, java.util.Collections.nCopies(markers, f), List.of());
        }
        JsonNode pre = g.path("image_preprocessing");
        String first = pre.isObject() && pre.size() > 0 ? "img_" + pre.fieldNames().next() + ".png" : pngs.get(0);
        return new Case(fixture, promptKey, key, java.util.Collections.nCopies(markers, first), List.of());
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    /** Every model fixture yields at least one case, and the cases found name media files that exist. */
    @org.junit.jupiter.api.Test
    void everyModelFixtureHasCases() throws Exception {
        List<Case> all = cases();
        all.forEach(c -> System.out.println("[case] " + c + " images=" + c.images() + " frames=" + c.videoFrames().size()));
        for (Case c : all) {
            for (String f : c.images()) assertTrue(java.nio.file.Files.isRegularFile(Fixtures.dir(c.fixture()).resolve("golden").resolve(f)), c + ": " + f);
        }
        try (var dirs = java.nio.file.Files.list(Fixtures.shared().resolve("fixtures"))) {
            for (Path dir : dirs.toList()) {
                if (java.nio.file.Files.isRegularFile(dir.resolve("config.json")) && java.nio.file.Files.isRegularFile(dir.resolve("golden/golden.json"))
                        && Fixtures.json(dir.resolve("golden/golden.json")).has("image_token_id")) {
                    String name = dir.getFileName().toString();
                    assertTrue(all.stream().anyMatch(c -> c.fixture().equals(name)), "no golden case found for " + name);
                }
            }
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
