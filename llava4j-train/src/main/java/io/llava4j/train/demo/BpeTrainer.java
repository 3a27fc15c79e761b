package io.llava4j.train.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Byte-pair-encoding training on pre-split units (words with their leading "▁", single punctuation marks), the way
 * SentencePiece's BPE trainer grows its vocabulary: start from the characters, repeatedly merge the most frequent
 * adjacent pair (ties: the lexicographically smallest merged piece, so the result is deterministic) until
 * {@code maxMerges} merges or no pair is left. The merged pieces, in merge order, are the vocabulary; a SentencePiece
 * BPE encoder that gives each piece the score -rank reproduces the training segmentation.
 */
final class BpeTrainer {
    private BpeTrainer() {}

    /** The result: merged pieces in merge order and the distinct characters (sorted). */
    record Vocabulary(List<String> merges, List<String> characters) {}

    static Vocabulary train(Map<String, Integer> unitCounts, int maxMerges) {
        // Each distinct unit as its current list of symbols.
        Map<String, List<String>> segs = new LinkedHashMap<>();
        TreeMap<String, Boolean> chars = new TreeMap<>();
        for (String u : unitCounts.keySet()) {
            List<String> s = new ArrayList<>();
            u.codePoints().forEach(cp -> {
                String c = new String(Character.toChars(cp));
                s.add(c);
                chars.put(c, true);
            });
            segs.put(u, s);
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            Map<String, Long> pairCounts = new HashMap<>();
            Map<String, String[]> pairParts = new HashMap<>();
            for (Map.Entry<String, List<String>> e : segs.entrySet()) {
                List<String> s = e.getValue();
                long n = unitCounts.get(e.getKey());
                for (int i = 0; i + 1 < s.size(); i++) {
                    String merged = s.get(i) + s.get(i + 1);
                    String key = s.get(i) + "\u0000" + s.get(i + 1);
                    pairCounts.merge(key, n, Long::sum);
                    pairParts.putIfAbsent(key, new String[]{s.get(i), s.get(i + 1), merged});
                }
            }
            if (pairCounts.isEmpty()) break;
            // most frequent pair; ties: smallest merged piece, then smallest (left, right)
            String best = null;
            long bestCount = -1;
            for (Map.Entry<String, Long> e : pairCounts.entrySet()) {
                long c = e.getValue();
                if (best == null || c > bestCount || c == bestCount && compare(pairParts.get(e.getKey()), e.getKey(), pairParts.get(best), best) < 0) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            String[] p = pairParts.get(best);
            if (!merges.contains(p[2])) merges.add(p[2]);
            for (List<String> s : segs.values()) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(p[0]) && s.get(i + 1).equals(p[1])) {
                        s.set(i, p[2]);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return new Vocabulary(merges, List.copyOf(chars.keySet()));
    }

    private static int compare(String[] a, String aKey, String[] b, String bKey) {
        int c = a[2].compareTo(b[2]);
        return c != 0 ? c : aKey.compareTo(bKey);
    }
}
