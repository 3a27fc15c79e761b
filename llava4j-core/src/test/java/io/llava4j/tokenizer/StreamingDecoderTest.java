package io.llava4j.tokenizer;

import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming decode over multi-byte characters split across tokens: never half a character, same final text. */
class StreamingDecoderTest {

    private static final TextTokenizer LLAMA = Tokenizers.load(Fixtures.dir("tokenizers/llama2-vicuna"));
    private static final TextTokenizer QWEN2 = Tokenizers.load(Fixtures.dir("tokenizers/qwen2"));

    @Test
    void llamaByteFallbackEmojiAndCjk() {
        // Emoji and the rare CJK character 龘 are not LLaMA pieces: they come as 3-4 <0xXX> tokens each.
        String text = "Hi 😀🎉 龘 日本語 👍🏽!";
        int[] ids = LLAMA.encode(text, false);
        long byteTokens = Arrays.stream(ids).mapToObj(LLAMA::token).filter(t -> t.startsWith("<0x")).count();
        assertTrue(byteTokens >= 15, "expected byte-fallback tokens, got " + byteTokens);
        List<String> deltas = streamAll(LLAMA, ids, false);
        assertEquals(LLAMA.decode(ids, false), String.join("", deltas));
        assertEquals(text, String.join("", deltas));
        deltas.forEach(StreamingDecoderTest::assertWholeCharacters);
        // The four byte tokens of 😀: three silent steps, then the whole character.
        int start = indexOfToken(LLAMA, ids, "<0xF0>");
        assertEquals(List.of("", "", "", "😀"), deltas.subList(start, start + 4));
    }

    @Test
    void qwen2SingleByteTokens() {
        // Spell the text one byte-level token per byte, the worst case for a streaming decoder.
        String text = "a😀日本🤖é";
        String byteChars = ByteLevelBpe.byteEncode(text);
        int[] ids = byteChars.chars().map(c -> QWEN2.tokenId(String.valueOf((char) c)).orElseThrow()).toArray();
        List<String> deltas = streamAll(QWEN2, ids, false);
        assertEquals(text, String.join("", deltas));
        deltas.forEach(StreamingDecoderTest::assertWholeCharacters);
        List<String> nonEmpty = deltas.stream().filter(s -> !s.isEmpty()).toList();
        assertEquals(List.of("a", "😀", "日", "本", "🤖", "é"), nonEmpty);
    }

    @Test
    void invalidBytesStillEndIdenticalToDecode() {
        // A cut-off sequence followed by normal text: the replacement characters are final once text follows.
        int[] llama = {LLAMA.tokenId("<0xF0>").orElseThrow(), LLAMA.tokenId("<0x9F>").orElseThrow(), LLAMA.tokenId("▁Hello").orElseThrow(),
                LLAMA.tokenId("<0xE6>").orElseThrow()};
        assertEquals(LLAMA.decode(llama, false), String.join("", streamAll(LLAMA, llama, false)));
        assertEquals("\uFFFD\uFFFD Hello\uFFFD", LLAMA.decode(llama, false)); // sentencepiece: one U+FFFD per bad byte

        int[] qwen = {QWEN2.tokenId("ð").orElseThrow(), QWEN2.tokenId("Ł").orElseThrow(), QWEN2.tokenId("Hello").orElseThrow()};
        assertEquals(QWEN2.decode(qwen, false), String.join("", streamAll(QWEN2, qwen, false)));
        assertEquals("\uFFFDHello", QWEN2.decode(qwen, false)); // Python errors="replace": one per cut-off sequence
    }

    @Test
    void specialTokensSkippedOrKept() {
        for (TextTokenizer tok : List.of(LLAMA, QWEN2)) {
            int[] ids = tok.encode("USER: <image>\nWhat? 日本 ASSISTANT: ok</s><|im_end|>", true);
            for (boolean skip : new boolean[] {false, true}) {
                assertEquals(tok.decode(ids, skip), String.join("", streamAll(tok, ids, skip)));
            }
        }
    }

    @Test
    void cleanUpSpacesIsHeldBackUntilFinal() {
        // A decoder that cleans up " ." style spaces: text after the last space is not given out early.
        StreamingDecoder d = new StreamingDecoder(ids -> Py.cleanUpTokenization(String.join(" ", Arrays.stream(ids)
                .mapToObj(i -> i == 0 ? "a" : ".").toList())), true);
        StringBuilder sb = new StringBuilder();
        sb.append(d.add(0)).append(d.add(0)).append(d.add(1));
        sb.append(d.finish());
        assertEquals("a a.", sb.toString());
    }

    private static List<String> streamAll(TextTokenizer tok, int[] ids, boolean skip) {
        StreamingDecoder d = tok.streamingDecoder(skip);
        List<String> deltas = new ArrayList<>();
        for (int id : ids) deltas.add(d.add(id));
        String rest = d.finish();
        if (!rest.isEmpty()) deltas.add(rest);
        assertEquals(tok.decode(ids, skip), d.text());
        return deltas;
    }

    private static void assertWholeCharacters(String s) {
        assertFalse(s.contains("\uFFFD"), "delta with a replacement character: " + s);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) assertTrue(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(++i)), "split surrogate pair");
            else assertFalse(Character.isLowSurrogate(c), "lone low surrogate");
        }
    }

    private static int indexOfToken(TextTokenizer tok, int[] ids, String token) {
        for (int i = 0; i < ids.length; i++) if (tok.token(ids[i]).equals(token)) return i;
        throw new AssertionError(token + " not found");
    }
}
