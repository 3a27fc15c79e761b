package io.llava4j.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.train.testing.TrainFixtures;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConversationPreprocessorTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");
    static final TextTokenizer TOK = Tokenizers.load(MODEL);
    static final List<LlavaSample> SAMPLES = LlavaJson.read(TrainFixtures.train().resolve("llava_train_samples.json"));
    static final JsonNode GOLDEN = TrainFixtures.trainGolden();

    @Test
    void legacyFlagFromTokenizerConfig() {
        assertFalse(TokenizerFlags.legacy(MODEL));
    }

    @Test
    void v1IdsAndLabelsMatchUpstreamExactly() {
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "v1", TokenizerFlags.legacy(MODEL), 2048);
        assertEquals(2, SAMPLES.size());
        for (int i = 0; i < 2; i++) {
            JsonNode g = GOLDEN.get("samples").get(i);
            LlavaSample s = SAMPLES.get(i);
            assertEquals(g.get("id").asText(), s.id());
            assertEquals(g.get("prompt_text").asText(), pre.prompt(s));
            Encoded e = pre.encode(s);
            assertArrayEquals(TrainFixtures.ints(g.get("input_ids")), e.inputIds(), "input_ids of " + s.id());
            assertArrayEquals(TrainFixtures.ints(g.get("labels")), e.labels(), "labels of " + s.id());
            assertNull(e.mismatch());
            assertFalse(e.truncated());
            assertEquals(g.get("num_trained_tokens").asInt(), e.trainedTokens());
            assertEquals(g.get("trained_text").asText(), trainedText(e));
        }
    }

    private static String trainedText(Encoded e) {
        // upstream's trained_text: the trained ids decoded run by run, runs joined by a space
        StringBuilder sb = new StringBuilder();
        int[] l = e.labels();
        for (int i = 0; i < l.length; ) {
            if (l[i] == ConversationPreprocessor.IGNORE_INDEX) { i++; continue; }
            int j = i;
            while (j < l.length && l[j] != ConversationPreprocessor.IGNORE_INDEX) j++;
            if (sb.length() > 0) sb.append(' ');
            sb.append(TOK.decode(java.util.Arrays.copyOfRange(l, i, j), false));
            i = j;
        }
        return sb.toString();
    }

    @Test
    void plainTemplateMatchesReference() {
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "plain", false, 2048);
        Encoded e = pre.encode(SAMPLES.get(0));
        JsonNode g = GOLDEN.get("plain_pretrain_format_sample0");
        assertArrayEquals(TrainFixtures.ints(g.get("input_ids")), e.inputIds());
        assertArrayEquals(TrainFixtures.ints(g.get("labels")), e.labels());
    }

    @Test
    void plainNeedsTwoTurnsWithImage() {
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "plain", false, 2048);
        assertThrows(IllegalArgumentException.class, () -> pre.encode(SAMPLES.get(1)));
    }

    @Test
    void preprocessMultimodalMovesImageToFront() {
        List<Turn> t = ConversationPreprocessor.preprocessMultimodal(List.of(new Turn("human", "  What is this?\n<image> "), new Turn("gpt", "A cat.")));
        assertEquals("<image>\nWhat is this?", t.get(0).value());
        assertEquals("A cat.", t.get(1).value());
    }

    @Test
    void textOnlySampleIsTokenizedWithoutSentinelAndMaskedTheSameWay() {
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "v1", false, 2048);
        LlavaSample s = new LlavaSample(0, "t", List.of(), List.of(), List.of(new Turn("human", "Hi <image> there"), new Turn("gpt", "Hello."),
                new Turn("human", "Again?"), new Turn("gpt", "Yes, again.")));
        Encoded e = pre.encode(s);
        assertNull(e.mismatch());
        assertEquals(0, e.imagePlaceholders());
        // answers "Hello.</s>" and "Yes, again.</s>" are trained
        int[] l = e.labels();
        StringBuilder trained = new StringBuilder();
        for (int x : l) if (x != -100) trained.append(x).append(' ');
        String want = ids(TOK.encode("Hello.", false)) + "2 " + ids(TOK.encode("Yes, again.", false)) + "2 ";
        assertEquals(want, trained.toString());
    }

    private static String ids(int[] a) {
        StringBuilder sb = new StringBuilder();
        for (int x : a) sb.append(x).append(' ');
        return sb.toString();
    }

    @Test
    void mismatchIsReportedAndSampleFullyMasked() {
        // With the legacy rule wrongly off, rounds after the first are one token too long: upstream masks the sample
        // and prints a mismatch. The sample stays; the report lists it.
        ConversationPreprocessor wrong = new ConversationPreprocessor(TOK, "v1", true, 2048);
        Encoded e = wrong.encode(SAMPLES.get(1));
        assertNotNull(e.mismatch());
        assertEquals(e.inputIds().length + 1, e.mismatch().curLen());
        assertEquals(e.inputIds().length, e.mismatch().totalLen());
        for (int x : e.labels()) assertEquals(-100, x);
        DataReport r = new DataReport();
        r.record(e);
        assertEquals(1, r.mismatches().size());
        assertTrue(r.lines(5).get(0).startsWith("tokenization mismatches"));
        assertEquals("tiny-001", r.mismatches().get(0).id());
    }

    @Test
    void answerContainingTheSeparatorIsAMismatch() {
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "v1", false, 2048);
        LlavaSample s = new LlavaSample(3, "sep", List.of(), List.of(), List.of(new Turn("human", "Say it"), new Turn("gpt", "x ASSISTANT: y")));
        Encoded e = pre.encode(s);
        assertNotNull(e.mismatch());
        assertEquals(0, e.trainedTokens());
    }

    @Test
    void truncationAtModelMaxLength() {
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "v1", false, 40);
        Encoded e = pre.encode(SAMPLES.get(0));
        assertTrue(e.truncated());
        assertEquals(40, e.inputIds().length);
        assertEquals(40, e.labels().length);
        assertNull(e.mismatch()); // cur_len >= model_max_length: upstream does not compare
        ConversationPreprocessor full = new ConversationPreprocessor(TOK, "v1", false, 2048);
        assertArrayEquals(java.util.Arrays.copyOf(full.encode(SAMPLES.get(0)).inputIds(), 40), e.inputIds());
    }

    @Test
    void datasetPixelsMatchGoldenPadToSquare() {
        ClipImageProcessor proc = ClipImageProcessor.load(TrainFixtures.dir("clip-vit-tiny-patch14-56").resolve("preprocessor_config.json"));
        ConversationPreprocessor pre = new ConversationPreprocessor(TOK, "v1", false, 2048);
        LlavaDataset ds = new LlavaDataset(SAMPLES, pre, proc, "pad", TrainFixtures.train());
        assertTrue(ds.scan().isClean());
        for (int i = 0; i < 2; i++) {
            Example ex = ds.get(i);
            float[] want = TrainFixtures.npy(TrainFixtures.train().resolve("pixel_values_tiny-00" + i + ".npy"));
            assertEquals(1, ex.images().size());
            double rel = TrainFixtures.diff("pixel_values " + ex.id(), ex.images().get(0), want);
            assertTrue(rel < 1e-5, "pixels " + rel);
        }
        int[] ml = ds.modalityLengths();
        assertEquals(7 + 11, ml[0]); // "<image>\nWhat is shown in this image?" = 7 words, the answer 11
        assertTrue(ml[1] > 0);
    }
}
