package io.llava4j.generate;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Decides when generation ends: on an EOS token id, or when the decoded text contains a stop string. Works while
 * streaming: feed each token's decoded text with {@link #append}; it returns the part that is safe to show now and
 * holds back a tail that could still become a stop string (e.g. {@code "</"} while waiting for {@code "s>"}). When a
 * stop string appears, the text is cut just before it, {@link #stopped()} turns true, and nothing more is accepted.
 * At the end of a generation that did not stop on a string, {@link #flush()} releases the held-back tail.
 *
 * <p>If several stop strings are in the text, the cut is at the earliest start position. One instance per
 * generation; not thread-safe.
 */
public final class StopChecker {

    /** Why generation stopped. */
    public enum Reason { NONE, EOS, STOP_STRING }

    private final int[] eosIds;
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private Reason reason = Reason.NONE;
    private String matched;

    /**
     * @param eosTokenIds ids that end generation (e.g. {@code generation_config.json}'s {@code eos_token_id})
     * @param stopStrings non-empty strings that end generation
     */
    public StopChecker(Collection<Integer> eosTokenIds, List<String> stopStrings) {
        this.eosIds = eosTokenIds.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        for (String s : stopStrings) {
            if (s == null || s.isEmpty()) throw new IllegalArgumentException("empty stop string in " + stopStrings);
        }
        this.stops = List.copyOf(stopStrings);
    }

    /** EOS ids from the caller, stop strings from the sampling parameters. */
    public static StopChecker of(Collection<Integer> eosTokenIds, SamplingParams params) {
        return new StopChecker(eosTokenIds, params.stopStrings());
    }

    public boolean isEos(int tokenId) {
        return Arrays.binarySearch(eosIds, tokenId) >= 0;
    }

    /**
     * Records a generated token id; returns true (and stops) if it is an EOS id. The EOS token's text should not be
     * appended.
     */
    public boolean acceptToken(int tokenId) {
        if (reason != Reason.NONE) return true;
        if (isEos(tokenId)) {
            reason = Reason.EOS;
            return true;
        }
        return false;
    }

    /**
     * Adds newly decoded text; returns the text that can be emitted now (possibly empty). After a stop string
     * was found this returns the part before it, then empty strings.
     */
    public String append(String delta) {
        if (reason != Reason.NONE || delta.isEmpty()) return "";
        int searchFrom = emitted; // nothing before `emitted` can start a stop string (see holdBackStart)
        text.append(delta);
        int cut = -1;
        String hit = null;
        for (String s : stops) {
            int k = text.indexOf(s, searchFrom);
            if (k >= 0 && (cut < 0 || k < cut)) {
                cut = k;
                hit = s;
            }
        }
        if (cut >= 0) {
            String out = text.substring(emitted, cut);
            text.setLength(cut);
            emitted = cut;
            reason = Reason.STOP_STRING;
            matched = hit;
            return out;
        }
        int hold = holdBackStart();
        String out = text.substring(emitted, hold);
        emitted = hold;
        return out;
    }

    /** The start of the longest suffix of the text that is a proper prefix of some stop string. */
    private int holdBackStart() {
        int len = text.length();
        for (int p = Math.max(emitted, len - maxStopLength() + 1); p < len; p++) {
            for (String s : stops) {
                int tail = len - p;
                if (tail < s.length() && regionMatches(p, s, tail)) return p;
            }
        }
        return len;
    }

    private boolean regionMatches(int from, String s, int n) {
        for (int i = 0; i < n; i++) if (text.charAt(from + i) != s.charAt(i)) return false;
        return true;
    }

    private int maxStopLength() {
        int m = 0;
        for (String s : stops) m = Math.max(m, s.length());
        return m;
    }

    /** Releases the held-back tail (call once generation has ended without a stop string). */
    public String flush() {
        String out = text.substring(emitted);
        emitted = text.length();
        return out;
    }

    /** True once an EOS id or a stop string was seen. */
    public boolean stopped() {
        return reason != Reason.NONE;
    }

    public Reason reason() {
        return reason;
    }

    /** The stop string that ended generation, or null. */
    public String matchedStopString() {
        return matched;
    }

    /** All text accepted so far (held-back tail included), cut before the stop string if one was found. */
    public String text() {
        return text.toString();
    }

    /** {@code text} cut before the earliest occurrence of any of {@code stops} (non-streaming use). */
    public static String truncate(String text, List<String> stops) {
        int cut = -1;
        for (String s : stops) {
            if (s.isEmpty()) continue;
            int k = text.indexOf(s);
            if (k >= 0 && (cut < 0 || k < cut)) cut = k;
        }
        return cut < 0 ? text : text.substring(0, cut);
    }
}
