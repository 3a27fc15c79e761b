package io.llava4j.train.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the data pipeline did to samples beyond the normal masking: tokenization mismatches (the sample stays in the
 * data with every label -100, as upstream does, and is listed here), truncations at model_max_length, and samples with
 * no trained token at all. Each sample is listed once however many epochs see it. Thread-safe.
 */
public final class DataReport {
    public record Entry(int index, String id, String problem) {
        @Override public String toString() { return "sample " + id + " (#" + index + "): " + problem; }
    }

    private final Map<Integer, Entry> mismatches = new TreeMap<>();
    private final Map<Integer, Entry> truncated = new TreeMap<>();
    private final Map<Integer, Entry> untrained = new TreeMap<>();

    public synchronized void record(Encoded e) {
        int i = e.sample().index();
        if (e.mismatch() != null) mismatches.putIfAbsent(i, new Entry(i, e.sample().id(), e.mismatch().toString()));
        if (e.truncated()) truncated.putIfAbsent(i, new Entry(i, e.sample().id(), "truncated to " + e.inputIds().length + " tokens (model_max_length)"));
        if (e.mismatch() == null && e.trainedTokens() == 0) untrained.putIfAbsent(i, new Entry(i, e.sample().id(), "no trained token (every label is -100)"));
    }

    public synchronized List<Entry> mismatches() { return List.copyOf(mismatches.values()); }
    public synchronized List<Entry> truncated() { return List.copyOf(truncated.values()); }
    public synchronized List<Entry> untrained() { return List.copyOf(untrained.values()); }

    public synchronized boolean isClean() { return mismatches.isEmpty() && truncated.isEmpty() && untrained.isEmpty(); }

    /** Human-readable lines: a count per kind, then up to {@code maxPerKind} examples of each. */
    public synchronized List<String> lines(int maxPerKind) {
        List<String> out = new ArrayList<>();
        add(out, "tokenization mismatches (sample kept, fully masked, as upstream)", mismatches, maxPerKind);
        add(out, "truncated at model_max_length", truncated, maxPerKind);
        add(out, "samples without a trained token", untrained, maxPerKind);
        return Collections.unmodifiableList(out);
    }

    private static void add(List<String> out, String title, Map<Integer, Entry> m, int max) {
        if (m.isEmpty()) return;
        out.add(title + ": " + m.size());
        int k = 0;
        for (Entry e : m.values()) {
            if (k++ >= max) { out.add("  ..."); break; }
            out.add("  " + e);
        }
    }
}
