package io.llava4j.mm;

/**
 * A prompt as the language model sees it: an ordered list of text and media chunks (mtmd style).
 * Text carries token ids; media carries feature rows already projected to the LM width.
 */
public sealed interface PromptChunk {
    /** Number of LM positions this chunk occupies. */
    int length();

    record Text(int[] ids) implements PromptChunk {
        public int length() { return ids.length; }
    }

    /** @param rows (count, hidden) projected features; placeholderId is the id shown in input_ids for each row */
    record Media(float[] rows, int count, int placeholderId) implements PromptChunk {
        public int length() { return count; }
    }
}
