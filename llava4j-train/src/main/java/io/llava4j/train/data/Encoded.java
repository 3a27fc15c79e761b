package io.llava4j.train.data;

/**
 * A tokenized training sample: {@code inputIds} with {@link ConversationPreprocessor#IMAGE_TOKEN_INDEX} (-200) where an
 * image's features go, and {@code labels} with {@link ConversationPreprocessor#IGNORE_INDEX} (-100) where no loss is
 * taken. Both already truncated to model_max_length.
 *
 * @param mismatch  non-null when the masking arithmetic disagreed with the tokenized length: upstream then masks the whole
 *                  sample (every label -100) and prints "tokenization mismatch"; so do we, and the mismatch is kept
 *                  here so a {@link DataReport} can surface it
 * @param truncated the ids were cut at model_max_length
 */
public record Encoded(LlavaSample sample, int[] inputIds, int[] labels, Mismatch mismatch, boolean truncated) {

    /** Upstream's "WARNING: tokenization mismatch: {curLen} vs. {totalLen}. (ignored)". */
    public record Mismatch(int curLen, int totalLen) {
        @Override public String toString() { return "tokenization mismatch: " + curLen + " vs. " + totalLen + " (sample masked)"; }
    }

    /** Labels that take part in the loss (not -100), before the shift. */
    public int trainedTokens() {
        int n = 0;
        for (int l : labels) if (l != ConversationPreprocessor.IGNORE_INDEX) n++;
        return n;
    }

    /** Image placeholders in the ids. */
    public int imagePlaceholders() {
        int n = 0;
        for (int id : inputIds) if (id == ConversationPreprocessor.IMAGE_TOKEN_INDEX) n++;
        return n;
    }
}
