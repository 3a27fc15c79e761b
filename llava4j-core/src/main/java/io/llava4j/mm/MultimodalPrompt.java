package io.llava4j.mm;

import io.llava4j.llm.DecoderLm;

import java.util.ArrayList;
import java.util.List;

/**
 * The prompt after splicing: input ids as the family's reference reports them (media tokens expanded for
 * HF-style models, one -200 sentinel per image for original-layout models) and the embeddings (n, hidden)
 * entering decoder layer 0.
 */
public record MultimodalPrompt(int[] inputIds, List<PromptChunk> chunks) {

    /** Total LM positions. */
    public int length() {
        int n = 0;
        for (PromptChunk c : chunks) n += c.length();
        return n;
    }

    /** Embeds text chunks and copies media rows, in order: (length, hidden). */
    public float[] embeddings(DecoderLm lm) {
        int h = lm.config().hiddenSize();
        float[] out = new float[length() * h];
        int row = 0;
        for (PromptChunk c : chunks) {
            switch (c) {
                case PromptChunk.Text t -> { for (int id : t.ids()) lm.embed(id, out, row++); }
                case PromptChunk.Media m -> {
                    if (m.rows().length != m.count() * h) throw new IllegalStateException(
                            "media features have " + m.rows().length / Math.max(1, m.count()) + " columns, the language model expects " + h);
                    System.arraycopy(m.rows(), 0, out, row * h, m.count() * h);
                    row += m.count();
                }
            }
        }
        return out;
    }

    /** Builds chunks from ids in which runs of {@code placeholderId} (HF: one id per row) stand for media. */
    public static MultimodalPrompt fromExpandedIds(int[] ids, int placeholderId, List<float[]> media, List<Integer> rowsPerMedia) {
        int total = 0;
        for (int i : ids) if (i == placeholderId) total++;
        int expected = rowsPerMedia.stream().mapToInt(Integer::intValue).sum();
        if (total != expected) {
            throw new MediaCountException("Image features and image tokens do not match: tokens: " + total + ", features " + expected);
        }
        List<PromptChunk> chunks = new ArrayList<>();
        int i = 0, m = 0, usedInMedia = 0;
        while (i < ids.length) {
            if (ids[i] == placeholderId) {
                // masked_scatter semantics: placeholder positions take feature rows in order, across media
                int run = 0;
                while (i + run < ids.length && ids[i + run] == placeholderId) run++;
                int remaining = run;
                while (remaining > 0) {
                    int take = Math.min(remaining, rowsPerMedia.get(m) - usedInMedia);
                    int h = media.get(m).length / rowsPerMedia.get(m);
                    float[] part = new float[take * h];
                    System.arraycopy(media.get(m), usedInMedia * h, part, 0, take * h);
                    chunks.add(new PromptChunk.Media(part, take, placeholderId));
                    usedInMedia += take;
                    remaining -= take;
                    if (usedInMedia == rowsPerMedia.get(m)) { m++; usedInMedia = 0; }
                }
                i += run;
            } else {
                int j = i;
                while (j < ids.length && ids[j] != placeholderId) j++;
                chunks.add(new PromptChunk.Text(java.util.Arrays.copyOfRange(ids, i, j)));
                i = j;
            }
        }
        return new MultimodalPrompt(ids, chunks);
    }

    /** Builds chunks from ids in which each {@code sentinel} (original LLaVA: -200) stands for one whole media item. */
    public static MultimodalPrompt fromSentinelIds(int[] ids, int sentinel, List<float[]> media, List<Integer> rowsPerMedia) {
        int count = 0;
        for (int i : ids) if (i == sentinel) count++;
        if (count != media.size()) {
            throw new MediaCountException("the prompt has " + count + " image markers but " + media.size() + " images were given");
        }
        List<PromptChunk> chunks = new ArrayList<>();
        int start = 0, m = 0;
        for (int i = 0; i <= ids.length; i++) {
            if (i == ids.length || ids[i] == sentinel) {
                if (i > start) chunks.add(new PromptChunk.Text(java.util.Arrays.copyOfRange(ids, start, i)));
                if (i < ids.length) { chunks.add(new PromptChunk.Media(media.get(m), rowsPerMedia.get(m), sentinel)); m++; }
                start = i + 1;
            }
        }
        return new MultimodalPrompt(ids, chunks);
    }
}
