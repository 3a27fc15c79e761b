package io.llava4j.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text around added tokens, like transformers' {@code Trie.split}: scanning left to right, the longest
 * added token starting at the earliest position is cut out. Returns the pieces in order; pieces equal to an
 * added token are the tokens, the others are plain text. Empty pieces are not returned.
 */
final class AddedTokenSplitter {
    /** Added tokens by first character, longest first. */
    private final Map<Character, List<String>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(Collection<String> tokens) {
        for (String t : tokens) {
            if (!t.isEmpty()) byFirstChar.computeIfAbsent(t.charAt(0), k -> new ArrayList<>()).add(t);
        }
        byFirstChar.values().forEach(l -> l.sort((a, b) -> b.length() - a.length()));
    }

    List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = longestAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > plainStart) out.add(text.substring(plainStart, i));
            out.add(match);
            i += match.length();
            plainStart = i;
        }
        if (plainStart < text.length()) out.add(text.substring(plainStart));
        return out;
    }

    private String longestAt(String text, int i) {
        List<String> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (String c : candidates) {
            if (text.startsWith(c, i)) return c;
        }
        return null;
    }
}
