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
        return fromExpandedIds(ids, java.util.Map.of(placeholderId, new Placeholder("Image", media, rowsPerMedia)));
    }

    /** The media that the rows of one placeholder id stand for, in order. */
    public record Placeholder(String kind, List<float[]> media, List<Integer> rowsPerMedia) {}

    /**
     * HF masked_scatter semantics for several placeholder ids (e.g. image and video tokens): the positions of each
     * id take that id's feature rows in order, across its media items. Counts must match exactly.
     */
    public static MultimodalPrompt fromExpandedIds(int[] ids, java.util.Map<Integer, Placeholder> byId) {
        java.util.Map<Integer, float[]> rows = new java.util.HashMap<>();
        java.util.Map<Integer, Integer> width = new java.util.HashMap<>();
        for (var e : byId.entrySet()) {
            int total = 0;
            for (int i : ids) if (i == e.getKey()) total++;
            Placeholder ph = e.getValue();
            int expected = ph.rowsPerMedia().stream().mapToInt(Integer::intValue).sum();
            if (total != expected) {
                throw new MediaCountException(ph.kind() + " features and " + ph.kind().toLowerCase() + " tokens do not match: tokens: " + total + ", features " + expected);
            }
            int len = 0;
            for (float[] m : ph.media()) len += m.length;
            float[] flat = new float[len];
            int o = 0;
            for (float[] m : ph.media()) { System.arraycopy(m, 0, flat, o, m.length); o += m.length; }
            rows.put(e.getKey(), flat);
            width.put(e.getKey(), expected == 0 ? 0 : len / expected);
        }
        java.util.Map<Integer, Integer> used = new java.util.HashMap<>();
        List<PromptChunk> chunks = new ArrayList<>();
        int i = 0;
        while (i < ids.length) {
            int id = ids[i];
            int j = i;
            if (byId.containsKey(id)) {
                while (j < ids.length && ids[j] == id) j++;
                int h = width.get(id), from = used.getOrDefault(id, 0), run = j - i;
                float[] part = java.util.Arrays.copyOfRange(rows.get(id), from * h, (from + run) * h);
                chunks.add(new PromptChunk.Media(part, run, id));
                used.put(id, from + run);
            } else {
                while (j < ids.length && !byId.containsKey(ids[j])) j++;
                chunks.add(new PromptChunk.Text(java.util.Arrays.copyOfRange(ids, i, j)));
            }
            i = j;
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
