package io.llava4j.generate;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopCheckerTest {

    /** Feeds the deltas and returns what was emitted, joined with '|' per call. */
    private static String stream(StopChecker c, String... deltas) {
        StringBuilder sb = new StringBuilder();
        for (String d : deltas) sb.append(c.append(d)).append('|');
        return sb.toString();
    }

    @Test
    void stopStringAcrossTokenBoundaries() {
        StopChecker c = new StopChecker(Set.of(2), List.of("</s>"));
        assertEquals("Hello| wor|ld||||", stream(c, "Hello", " wor", "ld</", "s>", "junk", "more"));
        assertTrue(c.stopped());
        assertEquals(StopChecker.Reason.STOP_STRING, c.reason());
        assertEquals("</s>", c.matchedStopString());
        assertEquals("Hello world", c.text());
        assertEquals("", c.flush());
    }

    @Test
    void stopStringSplitOverManyTokens() {
        StopChecker c = new StopChecker(Set.of(), List.of("<|im_end|>"));
        assertEquals("ok||||||", stream(c, "ok<", "|", "im", "_", "end", "|>"));
        assertEquals("ok", c.text());
    }

    @Test
    void heldBackTextIsReleasedWhenItIsNotAStop() {
        StopChecker c = new StopChecker(Set.of(), List.of("###"));
        assertEquals("a|##b|", stream(c, "a#", "#b"));
        StopChecker d = new StopChecker(Set.of(), List.of("###"));
        assertEquals("a|##x|", stream(d, "a##", "x"));
        assertFalse(d.stopped());
        StopChecker e = new StopChecker(Set.of(), List.of("<|im_end|>"));
        assertEquals("The end |", stream(e, "The end <"));
        assertEquals("<", e.flush());
        assertEquals("The end <", e.text());
    }

    @Test
    void overlappingPrefixes() {
        StopChecker c = new StopChecker(Set.of(), List.of("aab"));
        assertEquals("||a||", stream(c, "a", "a", "a", "b"));
        assertEquals("a", c.text());
        assertTrue(c.stopped());
    }

    @Test
    void earliestOfSeveralStopStringsWins() {
        StopChecker c = new StopChecker(Set.of(), List.of("###", "</s>"));
        assertEquals("x|", stream(c, "x</s>y###z"));
        assertEquals("</s>", c.matchedStopString());
        // a shorter stop completing inside a longer one's prefix stops at once
        StopChecker d = new StopChecker(Set.of(), List.of("abc", "b"));
        assertEquals("|a|", stream(d, "a", "b"));
        assertEquals("b", d.matchedStopString());
        assertEquals("x", StopChecker.truncate("x</s>y###z", List.of("###", "</s>")));
        assertEquals("none", StopChecker.truncate("none", List.of("###")));
    }

    @Test
    void eosIds() {
        StopChecker c = new StopChecker(List.of(2, 151645), List.of());
        assertTrue(c.isEos(2));
        assertTrue(c.isEos(151645));
        assertFalse(c.isEos(3));
        assertEquals("abc|", stream(c, "abc"));
        assertFalse(c.acceptToken(5));
        assertTrue(c.acceptToken(2));
        assertEquals(StopChecker.Reason.EOS, c.reason());
        assertNull(c.matchedStopString());
        assertEquals("", c.append("after"));
        assertEquals("abc", c.text());
    }

    @Test
    void noStopStringsEmitsEverythingAtOnce() {
        StopChecker c = StopChecker.of(Set.of(2), SamplingParams.defaults());
        assertEquals("a</|s>|", stream(c, "a</", "s>"));
        assertThrows(IllegalArgumentException.class, () -> new StopChecker(Set.of(), List.of("")));
    }
}
