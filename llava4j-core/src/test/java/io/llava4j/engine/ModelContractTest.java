package io.llava4j.engine;

import io.llava4j.api.Chat;
import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MediaCountException;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.mm.PromptChunk;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks every image family must pass, whatever its goldens: placeholder count vs media, greedy determinism,
 * whole-prompt logits equal to token-by-token logits, multi-image order, the library API.
 */
class ModelContractTest {

    static List<String> imageModels() {
        return List.of("llava-1.5-tiny", "video-llava-tiny", "internvl-chat-tiny", "llava-next-vicuna-tiny", "llava-next-mistral-tiny", "llava-next-video-tiny", "llava-onevision-qwen2-tiny", "pllava-tiny");
    }

    static RgbImage image(String name) {
        return ImageDecoder.decode(Fixtures.dir("llava-1.5-tiny").resolve("golden").resolve(name));
    }

    static String prompt(VisionLanguageModel m, int images, String text) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < images; i++) s.append("<image>\n");
        return m.chatTemplate().render(List.of(io.llava4j.chat.Message.of("user", s + text)), true);
    }

    @ParameterizedTest
    @MethodSource("imageModels")
    void placeholderCountMustMatchMedia(String fixture) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            RgbImage a = image("img_tiny_30x30.png");
            MediaCountException e = assertThrows(MediaCountException.class, () -> m.prepare(prompt(m, 2, "Hi"), List.of(a), List.of()));
            assertTrue(e.getMessage().contains("2") && e.getMessage().contains("1"), e.getMessage());
            assertThrows(MediaCountException.class, () -> m.prepare(prompt(m, 0, "Hi"), List.of(a), List.of()));
        }
    }

    /** A repeated image is served from the model's feature cache and splices exactly what encoding gives. */
    @ParameterizedTest
    @MethodSource("imageModels")
    void repeatedImageComesFromTheFeatureCacheUnchanged(String fixture) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            String text = prompt(m, 1, "What is this?");
            DecoderLm lm = m.languageModel();
            m.featureCache().setBudget(0);
            float[] uncached = m.prepare(text, List.of(image("img_landscape_200x150.png")), List.of()).embeddings(lm);
            m.featureCache().setBudget(io.llava4j.mm.FeatureCache.DEFAULT_BYTES);
            float[] first = m.prepare(text, List.of(image("img_landscape_200x150.png")), List.of()).embeddings(lm);
            long misses = m.featureCache().misses(), hits = m.featureCache().hits();
            float[] second = m.prepare(text, List.of(image("img_landscape_200x150.png")), List.of()).embeddings(lm);
            assertEquals(misses, m.featureCache().misses(), "second prepare encoded again");
            assertTrue(m.featureCache().hits() > hits);
            // the cache hands back exactly what it stored; a fresh encode may differ by an ulp where the JIT state
            // (interpreted vs compiled Vector API code) changes a rounding, so that comparison has a tolerance
            assertArrayEquals(first, second);
            assertArrayEquals(uncached, first, 1e-5f);
        }
    }

    /** A repeated video is served from the feature cache; a changed frame is not. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"video-llava-tiny", "llava-next-video-tiny", "llava-onevision-qwen2-tiny"})
    void repeatedVideoComesFromTheFeatureCacheUnchanged(String fixture) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            String text = m.chatTemplate().render(List.of(io.llava4j.chat.Message.of("user", m.videoMarker() + "\nWhat happens?")), true);
            DecoderLm lm = m.languageModel();
            List<RgbImage> frames = new ArrayList<>();
            for (int i = 0; i < m.preferredVideoFrames(); i++) frames.add(RgbImage.filled(64, 48, 30 * i % 256, 100, 200 - 20 * i));
            m.featureCache().setBudget(0);
            float[] uncached = m.prepare(text, List.of(), List.of(frames)).embeddings(lm);
            m.featureCache().setBudget(io.llava4j.mm.FeatureCache.DEFAULT_BYTES);
            m.prepare(text, List.of(), List.of(frames));
            long misses = m.featureCache().misses();
            float[] again = m.prepare(text, List.of(), List.of(new ArrayList<>(frames))).embeddings(lm);
            assertEquals(misses, m.featureCache().misses(), "the same frames were encoded again");
            assertArrayEquals(uncached, again, 1e-5f); // fresh encode vs cached: an ulp may differ with the JIT state
            frames.set(frames.size() - 1, RgbImage.filled(64, 48, 1, 2, 3));
            float[] changed = m.prepare(text, List.of(), List.of(frames)).embeddings(lm);
            assertTrue(m.featureCache().misses() > misses, "a changed frame must miss");
            assertEquals(uncached.length, changed.length);
            assertNotEquals(java.util.Arrays.hashCode(uncached), java.util.Arrays.hashCode(changed));
        }
    }

    @ParameterizedTest
    @MethodSource("imageModels")
    void prefillLogitsEqualTokenByTokenLogits(String fixture) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            MultimodalPrompt p = m.prepare(prompt(m, 1, "What is this?"), List.of(image("img_landscape_200x150.png")), List.of());
            DecoderLm lm = m.languageModel();
            int n = p.length(), h = lm.config().hiddenSize(), v = lm.config().vocabSize();
            float[] emb = p.embeddings(lm);
            float[] batched = lm.forward(emb.clone(), n, lm.newCache(n), true);
            KvCache cache = lm.newCache(1);
            double worst = 0;
            for (int i = 0; i < n; i++) {
                float[] row = new float[h];
                System.arraycopy(emb, i * h, row, 0, h);
                float[] one = lm.forward(row, 1, cache, false);
                for (int j = 0; j < v; j++) worst = Math.max(worst, Math.abs(one[j] - batched[i * v + j]));
            }
            System.out.printf("[diff] %s prefill vs token-by-token logits (all %d positions): max abs diff %.3e%n", fixture, n, worst);
            assertTrue(worst < 1e-4, "max diff " + worst);
        }
    }

    @ParameterizedTest
    @MethodSource("imageModels")
    void greedyIsDeterministicAndSamplingIsSeeded(String fixture) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            MultimodalPrompt p = m.prepare(prompt(m, 1, "Describe"), List.of(image("img_portrait_120x240.png")), List.of());
            SamplingParams g = SamplingParams.greedy().withMaxNewTokens(10);
            assertArrayEquals(Generator.generate(m, p, g, null).tokenIds(), Generator.generate(m, p, g, null).tokenIds());
            SamplingParams s = SamplingParams.defaults().withTemperature(1.0).withSeed(5L).withMaxNewTokens(10);
            assertArrayEquals(Generator.generate(m, p, s, null).tokenIds(), Generator.generate(m, p, s, null).tokenIds());
            // streamed deltas concatenate to the final text
            StringBuilder streamed = new StringBuilder();
            Generator.Result r = Generator.generate(m, p, s, streamed::append);
            assertEquals(r.text(), streamed.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("imageModels")
    void twoImagesAreSplicedInPromptOrder(String fixture) {
        try (VisionLanguageModel m = ModelRegistry.load(Fixtures.dir(fixture), LoadOptions.defaults())) {
            RgbImage a = image("img_landscape_200x150.png"), b = image("img_portrait_120x240.png");
            MultimodalPrompt ab = m.prepare(prompt(m, 2, "Compare"), List.of(a, b), List.of());
            MultimodalPrompt one = m.prepare(prompt(m, 1, "x"), List.of(a), List.of());
            MultimodalPrompt onlyB = m.prepare(prompt(m, 1, "x"), List.of(b), List.of());
            float[] all = mediaRows(ab), ra = mediaRows(one), rb = mediaRows(onlyB);
            assertEquals(ra.length + rb.length, all.length, "rows of both images");
            float[] first = java.util.Arrays.copyOfRange(all, 0, ra.length), second = java.util.Arrays.copyOfRange(all, ra.length, all.length);
            assertArrayEquals(ra, first, 1e-5f, "first image's rows come first");   // separate encodes: ulps may differ with the JIT state
            assertArrayEquals(rb, second, 1e-5f, "second image's rows second");
            assertNotEquals(0, Float.compare(first[0], second[0]));
            float[] logits = Generator.generate(m, ab, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
            for (float f : logits) assertTrue(Float.isFinite(f));
        }
    }

    @ParameterizedTest
    @MethodSource("imageModels")
    void libraryApiAnswersAndKeepsHistory(String fixture) {
        Path dir = Fixtures.dir(fixture);
        try (Llava4j llava = Llava4j.load(dir)) {
            StringBuilder streamed = new StringBuilder();
            String answer = llava.ask("What is shown?", List.of(dir.resolve("golden/img_tiny_30x30.png")),
                    SamplingParams.greedy().withMaxNewTokens(6), streamed::append);
            assertEquals(answer, streamed.toString().strip());
            Chat chat = llava.newChat();
            chat.send("Describe.", List.of(image("img_tiny_30x30.png")), SamplingParams.greedy().withMaxNewTokens(4), null);
            chat.send("More?", List.of(), SamplingParams.greedy().withMaxNewTokens(4), null);
            assertEquals(4, chat.history().size());
            Chat vicuna = llava.newChat("vicuna_v1");
            vicuna.send("Describe.", List.of(image("img_tiny_30x30.png")), SamplingParams.greedy().withMaxNewTokens(4), null);
            assertThrows(IllegalArgumentException.class, () -> llava.newChat("no_such_template"));
        }
    }

    static float[] mediaRows(MultimodalPrompt p) {
        List<float[]> media = new ArrayList<>();
        for (PromptChunk c : p.chunks()) if (c instanceof PromptChunk.Media md) media.add(md.rows());
        return concat(media, 0, media.size());
    }

    static float[] concat(List<float[]> parts, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) n += parts.get(i).length;
        float[] out = new float[n];
        int o = 0;
        for (int i = from; i < to; i++) { System.arraycopy(parts.get(i), 0, out, o, parts.get(i).length); o += parts.get(i).length; }
        return out;
    }
}
