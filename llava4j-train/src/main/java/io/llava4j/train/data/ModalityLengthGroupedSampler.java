package io.llava4j.train.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LLaVA's {@code LengthGroupedSampler} ({@code llava/train/llava_trainer.py}) with {@code group_by_modality=True}, the
 * order {@code --group_by_modality_length} gives: lengths from {@link LlavaSample#modalityLength()} (positive with an
 * image, negative text-only). Each modality is shuffled and cut into mega-batches of {@code groupSize * batchSize}
 * ({@code groupSize} = world size x gradient accumulation steps upstream), each mega-batch sorted by length
 * (longest first) and dealt into {@code groupSize} batches of about equal total length ({@code split_to_even_chunks}).
 * The modalities' mega-batches are then shuffled together; the two last (partial) ones are merged into one mixed
 * batch at the end (or, when that makes a full mega-batch, its first part goes first).
 *
 * <p>Simplifications: one seeded {@link SplittableRandom} (Fisher-Yates) replaces {@code torch.randperm} (upstream
 * shuffles the modalities with the global torch generator and the mega-batches with the sampler's; the order is
 * therefore not torch's, only its structure); when the data has a single modality (upstream asserts both exist) the
 * plain length-grouped order ({@code get_length_grouped_indices}) is used.
 */
public final class ModalityLengthGroupedSampler {
    private ModalityLengthGroupedSampler() {}

    /** One epoch's order of sample indices. */
    public static int[] order(int[] lengths, int batchSize, int groupSize, long seed) {
        if (batchSize < 1 || groupSize < 1) throw new IllegalArgumentException("batch size and group size must be positive");
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] == 0) throw new IllegalArgumentException("sample #" + i + " has length 0 (no words in its conversations)");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Integer> mm = new ArrayList<>(), lang = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) (lengths[i] > 0 ? mm : lang).add(i);
        int[] abs = new int[lengths.length];
        for (int i = 0; i < lengths.length; i++) abs[i] = Math.abs(lengths[i]);
        if (mm.isEmpty() || lang.isEmpty()) return lengthGrouped(abs, batchSize, groupSize, rnd);

        int mega = groupSize * batchSize;
        List<List<Integer>> mmMega = chunks(map(mm, lengthGrouped(sub(abs, mm), batchSize, groupSize, rnd)), mega);
        List<List<Integer>> langMega = chunks(map(lang, lengthGrouped(sub(abs, lang), batchSize, groupSize, rnd)), mega);
        List<Integer> additional = new ArrayList<>(mmMega.getLast());
        additional.addAll(langMega.getLast());
        List<List<Integer>> megas = new ArrayList<>(mmMega.subList(0, mmMega.size() - 1));
        megas.addAll(langMega.subList(0, langMega.size() - 1));
        int[] perm = randperm(megas.size(), rnd);
        List<List<Integer>> shuffled = new ArrayList<>();
        for (int p : perm) shuffled.add(megas.get(p));
        if (additional.size() >= mega) {
            shuffled.addFirst(new ArrayList<>(additional.subList(0, mega)));
            additional = new ArrayList<>(additional.subList(mega, additional.size()));
        }
        if (!additional.isEmpty()) shuffled.add(additional);
        int[] out = new int[lengths.length];
        int k = 0;
        for (List<Integer> m : shuffled) for (int i : m) out[k++] = i;
        return out;
    }

    /** {@code get_length_grouped_indices}: positions into {@code lengths}. */
    static int[] lengthGrouped(int[] lengths, int batchSize, int groupSize, SplittableRandom rnd) {
        int[] idx = randperm(lengths.length, rnd);
        int mega = groupSize * batchSize;
        int[] out = new int[lengths.length];
        int k = 0;
        for (int s = 0; s < idx.length; s += mega) {
            Integer[] m = new Integer[Math.min(mega, idx.length - s)];
            for (int j = 0; j < m.length; j++) m[j] = idx[s + j];
            Arrays.sort(m, (a, b) -> Integer.compare(lengths[b], lengths[a])); // stable, like Python's sorted(reverse=True)
            for (List<Integer> chunk : evenChunks(m, lengths, groupSize)) for (int i : chunk) out[k++] = i;
        }
        return out;
    }

    /** {@code split_to_even_chunks}. */
    static List<List<Integer>> evenChunks(Integer[] indices, int[] lengths, int numChunks) {
        List<List<Integer>> chunks = new ArrayList<>();
        for (int c = 0; c < numChunks; c++) chunks.add(new ArrayList<>());
        if (indices.length % numChunks != 0) {
            for (int i = 0; i < indices.length; i++) chunks.get(i % numChunks).add(indices[i]);
            return chunks;
        }
        int per = indices.length / numChunks;
        double[] total = new double[numChunks];
        for (int index : indices) {
            int shortest = 0;
            for (int c = 1; c < numChunks; c++) if (total[c] < total[shortest]) shortest = c;
            chunks.get(shortest).add(index);
            total[shortest] += lengths[index];
            if (chunks.get(shortest).size() == per) total[shortest] = Double.POSITIVE_INFINITY;
        }
        return chunks;
    }

    private static int[] randperm(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    private static int[] sub(int[] a, List<Integer> idx) {
        int[] out = new int[idx.size()];
        for (int i = 0; i < out.length; i++) out[i] = a[idx.get(i)];
        return out;
    }

    private static List<Integer> map(List<Integer> idx, int[] positions) {
        List<Integer> out = new ArrayList<>(positions.length);
        for (int p : positions) out.add(idx.get(p));
        return out;
    }

    private static List<List<Integer>> chunks(List<Integer> l, int size) {
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i += size) out.add(l.subList(i, Math.min(l.size(), i + size)));
        return out;
    }
}
