package io.llava4j.train.demo;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a free-text answer to a held-out question is right: it must contain the expected word and no competing
 * word of the same kind ("The circle is red." is right for red; "red or blue" is not). Words are compared in lower
 * case after mapping plurals and synonyms (circles -> circle, centre/middle -> center, big -> large, 2 -> two).
 * Competitors include common words outside the demo vocabulary (orange, rectangle, ...), so a model cannot score by
 * naming something the data never uses. A description is right when it names the colour and the shape of every
 * object and no colour or shape that is not in the scene.
 */
public final class AnswerScorer {
    private AnswerScorer() {}

    static final Set<String> COLORS = Set.of("red", "green", "blue", "yellow", "purple", "orange", "pink", "brown", "black",
            "white", "gray", "violet", "cyan", "magenta");
    static final Set<String> SHAPES = Set.of("circle", "square", "triangle", "rectangle", "star", "oval", "diamond",
            "ellipse", "pentagon", "hexagon");
    static final Set<String> COUNTS = Set.of("zero", "one", "two", "three", "four", "five", "six");
    static final Set<String> POSITIONS = Set.of("left", "right", "top", "bottom", "center");
    static final Set<String> SIZES = Set.of("small", "large");
    private static final Map<String, String> CANONICAL = Map.ofEntries(
            Map.entry("grey", "gray"), Map.entry("centre", "center"), Map.entry("middle", "center"),
            Map.entry("big", "large"), Map.entry("tiny", "small"), Map.entry("little", "small"),
            Map.entry("0", "zero"), Map.entry("1", "one"), Map.entry("2", "two"), Map.entry("3", "three"),
            Map.entry("4", "four"), Map.entry("5", "five"), Map.entry("6", "six"), Map.entry("single", "one"));
    private static final Pattern WORD = Pattern.compile("[a-z0-9]+");

    /** The answer's words, lower case, with plurals of shape words and synonyms mapped to the canonical word. */
    static Set<String> words(String answer) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = WORD.matcher(answer.toLowerCase(java.util.Locale.ROOT));
        while (m.find()) {
            String w = m.group();
            if (w.endsWith("s") && SHAPES.contains(w.substring(0, w.length() - 1))) w = w.substring(0, w.length() - 1);
            out.add(CANONICAL.getOrDefault(w, w));
        }
        return out;
    }

    /** The kind of word a question type asks for. */
    static Set<String> kind(QuestionType t) {
        return switch (t) {
            case COLOR -> COLORS;
            case SHAPE -> SHAPES;
            case COUNT -> COUNTS;
            case POSITION -> POSITIONS;
            case SIZE -> SIZES;
            case DESCRIBE -> throw new IllegalArgumentException("descriptions are scored against the scene's objects");
        };
    }

    /** One word answer types (colour, shape, count, position, size). */
    public static boolean correct(QuestionType type, String expected, String answer) {
        Set<String> kind = kind(type);
        String want = CANONICAL.getOrDefault(expected.toLowerCase(java.util.Locale.ROOT), expected.toLowerCase(java.util.Locale.ROOT));
        if (!kind.contains(want)) throw new IllegalArgumentException("'" + expected + "' is not a " + type.key + " word");
        Set<String> w = words(answer);
        if (!w.contains(want)) return false;
        for (String other : kind) if (!other.equals(want) && w.contains(other)) return false;
        return true;
    }

    /** A description names exactly the colours and shapes of {@code objects} (each as {shape, color}). */
    public static boolean correctDescription(List<SceneWords> objects, String answer) {
        Set<String> w = words(answer);
        Set<String> colors = new LinkedHashSet<>(), shapes = new LinkedHashSet<>();
        for (SceneWords o : objects) {
            colors.add(o.color());
            shapes.add(o.shape());
        }
        if (!w.containsAll(colors) || !w.containsAll(shapes)) return false;
        for (String c : COLORS) if (w.contains(c) && !colors.contains(c)) return false;
        for (String s : SHAPES) if (w.contains(s) && !shapes.contains(s)) return false;
        return true;
    }

    /** The words of one scene object as test.json lists them. */
    public record SceneWords(String shape, String color, String size, String position) {}
}
