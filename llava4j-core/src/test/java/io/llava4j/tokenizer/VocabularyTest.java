package io.llava4j.tokenizer;

import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** token/tokenId over the whole vocabulary, and ids outside it. */
class VocabularyTest {

    @Test
    void everyIdRoundTrips() {
        for (String name : List.of("llama2-vicuna", "mistral", "qwen2")) {
            TextTokenizer tok = Tokenizers.load(Fixtures.dir("tokenizers/" + name));
            for (int id = 0; id < tok.vocabSize(); id++) {
                assertEquals(OptionalInt.of(id), tok.tokenId(tok.token(id)), name + " id " + id);
            }
            assertEquals(OptionalInt.empty(), tok.tokenId("no such token \u0001"));
        }
    }

    @Test
    void idsOutsideTheVocabulary() {
        TextTokenizer tok = Tokenizers.load(Fixtures.dir("llava-1.5-tiny"));
        // llava-1.5 pads its embedding to 32064 rows; ids 32002..32063 have no token.
        assertThrows(IllegalArgumentException.class, () -> tok.token(32050));
        assertThrows(IllegalArgumentException.class, () -> tok.token(-1));
        int hello = tok.tokenId("▁Hello").orElseThrow();
        assertEquals("Hello", tok.decode(new int[] {hello, 32050}, false));
        assertFalse(tok.isSpecial(hello));
    }
}
