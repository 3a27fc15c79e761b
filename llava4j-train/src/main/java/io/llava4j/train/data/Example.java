package io.llava4j.train.data;

import java.util.List;

/**
 * One training sample as the LLaVA training graph takes it: ids with -200 where image features go, labels with -100
 * where no loss is taken (same length), and one preprocessed pixel tensor (3, S, S) per -200, in order.
 * {@code imageKey} names each image (its path) so a frozen tower's features can be cached.
 */
public record Example(String id, int[] inputIds, int[] labels, List<float[]> images, List<String> imageKeys) {
    public Example {
        if (inputIds.length != labels.length) throw new IllegalArgumentException("sample " + id + ": " + inputIds.length + " ids but " + labels.length + " labels");
        int placeholders = 0;
        for (int t : inputIds) if (t == ConversationPreprocessor.IMAGE_TOKEN_INDEX) placeholders++;
        if (placeholders > images.size()) throw new IllegalArgumentException("sample " + id + ": " + placeholders + " image placeholders but " + images.size() + " images");
        images = List.copyOf(images);
        imageKeys = List.copyOf(imageKeys);
    }

    /** Without images (text-only). */
    public static Example text(String id, int[] inputIds, int[] labels) {
        return new Example(id, inputIds, labels, List.of(), List.of());
    }
}
