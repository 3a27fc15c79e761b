package io.llava4j.train.data;

import java.util.List;

/**
 * One entry of a LLaVA training JSON: {@code {"id", "image" (optional), "video" (optional), "conversations": [...]}}.
 * {@code image}/{@code video} may be a string or a list of strings upstream; both become lists here (empty when absent).
 *
 * @param index position in the JSON list (stable identity for samplers and reports)
 */
public record LlavaSample(int index, String id, List<String> images, List<String> videos, List<Turn> conversations) {
    public LlavaSample {
        images = List.copyOf(images);
        videos = List.copyOf(videos);
        conversations = List.copyOf(conversations);
    }

    /** Upstream's {@code 'image' in sample}. */
    public boolean hasImage() { return !images.isEmpty(); }

    public boolean hasVideo() { return !videos.isEmpty(); }

    /** Any media at all (the sample goes through preprocess_multimodal and tokenizer_image_token). */
    public boolean isMultimodal() { return hasImage() || hasVideo(); }

    /**
     * LLaVA's {@code modality_lengths} entry: the number of whitespace-separated words of all turns, positive for
     * samples with an image (or video), negative for text-only ones.
     */
    public int modalityLength() {
        int words = 0;
        for (Turn t : conversations) words += wordCount(t.value());
        return isMultimodal() ? words : -words;
    }

    /** Python's {@code len(s.split())}: runs of whitespace separate words. */
    static int wordCount(String s) {
        int n = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean ws = Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x1c || cp == 0x1d || cp == 0x1e || cp == 0x1f || cp == 0x85;
            if (!ws && !in) n++;
            in = !ws;
            i += Character.charCount(cp);
        }
        return n;
    }
}
