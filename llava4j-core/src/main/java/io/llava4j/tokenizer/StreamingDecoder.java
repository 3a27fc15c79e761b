package io.llava4j.tokenizer;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Turns generated ids into text as they arrive.
 *
 * <p>Each {@link #add} returns the text that became final with that id (often "", e.g. while the bytes of
 * one emoji come in as separate byte-fallback tokens). {@link #finish} returns the rest. Joined together, the
 * pieces are exactly {@code decode(all ids)}.
 *
 * <p>How: the whole id list is decoded again at each step and only the part that later ids cannot change is
 * given out. That part ends before a trailing U+FFFD (an incomplete UTF-8 character) and, when the tokenizer
 * cleans up tokenization spaces (which rewrites {@code " ."} to {@code "."} and the like), before the last
 * space. Re-decoding costs O(n) per step, negligible next to a model step. Not thread-safe: one per
 * generation.
 */
public final class StreamingDecoder {
    private static final char REPLACEMENT = '\uFFFD';

    private final Function<int[], String> decoder;
    private final boolean holdBackFromLastSpace;
    private int[] ids = new int[64];
    private int count;
    private final StringBuilder emitted = new StringBuilder();

    /**
     * @param decoder the full decode of an id list (e.g. {@code ids -> tok.decode(ids, skip)})
     * @param holdBackFromLastSpace true when the decode cleans up spaces, so text after the last space may
     *     still change
     */
    StreamingDecoder(Function<int[], String> decoder, boolean holdBackFromLastSpace) {
        this.decoder = decoder;
        this.holdBackFromLastSpace = holdBackFromLastSpace;
    }

    /** Adds one id; returns the text that is now final (possibly empty). */
    public String add(int id) {
        if (count == ids.length) ids = Arrays.copyOf(ids, count * 2);
        ids[count++] = id;
        String full = decoder.apply(Arrays.copyOf(ids, count));
        return emitUpTo(full, stableLength(full));
    }

    /** Returns the remaining text; after this, everything returned equals {@code decode(ids())}. */
    public String finish() {
        String full = decoder.apply(Arrays.copyOf(ids, count));
        return emitUpTo(full, full.length());
    }

    /** All ids added so far. */
    public int[] ids() {
        return Arrays.copyOf(ids, count);
    }

    /** All text given out so far. */
    public String text() {
        return emitted.toString();
    }

    private int stableLength(String full) {
        int end = full.length();
        while (end > 0 && full.charAt(end - 1) == REPLACEMENT) end--;
        if (holdBackFromLastSpace) end = Math.min(end, Math.max(0, full.lastIndexOf(' ')));
        return end;
    }

    private String emitUpTo(String full, int end) {
        if (end <= emitted.length()) return "";
        if (!full.startsWith(emitted.toString())) {
            // The decode of a longer list is expected to extend the shorter one; if a tokenizer ever breaks
            // that, text already given out cannot be taken back, so fail loudly instead of drifting.
            throw new IllegalStateException("decoded text is not an extension of the text already streamed");
        }
        String delta = full.substring(emitted.length(), end);
        emitted.append(delta);
        return delta;
    }
}
