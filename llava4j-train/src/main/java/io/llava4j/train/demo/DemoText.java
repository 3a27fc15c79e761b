package io.llava4j.train.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The language of the demo data: stage-1 captions and stage-2 questions with short answers that contain the plain
 * word ("The circle is red."). Each question type has a few paraphrases; the answer form is fixed per type so the
 * model learns one way to say it.
 */
public final class DemoText {
    private DemoText() {}

    /** Instructions for stage-1 caption samples (the plain template drops them; they vary the text like LLaVA's). */
    static final List<String> CAPTION_PROMPTS = List.of(
            "Describe the image briefly.", "Give a short caption.", "Write a short description of the picture.",
            "Summarize the picture.");

    static final List<String> COLOR_QUESTIONS = List.of(
            "What color is the %s?", "What is the color of the %s?", "Which color is the %s?", "What colour is the %s?",
            "Tell me the color of the %s.");
    static final List<String> SHAPE_QUESTIONS_SINGLE = List.of(
            "What shape is in the image?", "What shape do you see?", "Which shape is shown?",
            "What is the shape in the picture?", "Name the shape in the image.");
    static final List<String> SHAPE_QUESTIONS_BY_COLOR = List.of(
            "What shape is %s?", "Which shape is %s?", "What is the %s shape?", "What kind of shape is %s?");
    static final List<String> COUNT_QUESTIONS = List.of(
            "How many shapes are there?", "How many shapes are in the image?", "How many objects do you see?",
            "Count the shapes in the picture.");
    static final List<String> POSITION_QUESTIONS = List.of(
            "Where is the %s?", "Where is the %s located?", "In which part of the image is the %s?",
            "Where can you see the %s?");
    static final List<String> SIZE_QUESTIONS = List.of(
            "Is the %s small or large?", "How big is the %s?", "What size is the %s?");
    static final List<String> DESCRIBE_QUESTIONS = List.of(
            "Describe the image.", "What is in the image?", "Describe the picture briefly.", "What do you see?");

    static final String[] NUMBER_WORDS = {"zero", "one", "two", "three", "four", "five"};

    /** A stage-1 caption in one of a few forms ("A red circle on the left.", "There is a small ..."). */
    public static String caption(Scene s, SplittableRandom rnd) {
        boolean withSize = rnd.nextBoolean();
        String list = objectList(s, withSize);
        String sentence = switch (rnd.nextInt(3)) {
            case 0 -> list;
            case 1 -> (s.objects().size() == 1 ? "there is " : "there are " + NUMBER_WORDS[s.objects().size()] + " shapes: ") + list;
            default -> "the image shows " + list;
        };
        return Character.toUpperCase(sentence.charAt(0)) + sentence.substring(1) + ".";
    }

    /** The DESCRIBE answer: "There is a small red circle on the left." / "There are two shapes: a ... and a ...". */
    public static String description(Scene s) {
        String list = objectList(s, true);
        return (s.objects().size() == 1 ? "There is " : "There are " + NUMBER_WORDS[s.objects().size()] + " shapes: ") + list + ".";
    }

    /** "a small red circle on the left, a large blue square at the top and a ..." */
    static String objectList(Scene s, boolean withSize) {
        List<String> parts = new ArrayList<>();
        for (SceneObject o : s.objects()) parts.add("a " + o.noun(withSize) + " " + o.placement().phrase);
        if (parts.size() == 1) return parts.get(0);
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
    }

    /** Every question the scene supports, one per (type, object), with a paraphrase drawn from {@code rnd}. */
    public static List<QuestionAnswer> questions(Scene s, SplittableRandom rnd) {
        List<QuestionAnswer> out = new ArrayList<>();
        for (SceneObject o : s.objects()) out.add(color(o, rnd));
        if (s.objects().size() == 1) out.add(shape(s.objects().get(0), true, rnd));
        else for (SceneObject o : s.objects()) out.add(shape(o, false, rnd));
        out.add(count(s, rnd));
        for (SceneObject o : s.objects()) out.add(position(o, rnd));
        for (SceneObject o : s.objects()) out.add(size(o, rnd));
        out.add(describe(s, rnd));
        return out;
    }

    /** One question of the given type about the scene (a random object where the type asks about one). */
    public static QuestionAnswer question(Scene s, QuestionType type, SplittableRandom rnd) {
        SceneObject o = s.objects().get(rnd.nextInt(s.objects().size()));
        return switch (type) {
            case COLOR -> color(o, rnd);
            case SHAPE -> shape(o, s.objects().size() == 1, rnd);
            case COUNT -> count(s, rnd);
            case POSITION -> position(o, rnd);
            case SIZE -> size(o, rnd);
            case DESCRIBE -> describe(s, rnd);
        };
    }

    static QuestionAnswer color(SceneObject o, SplittableRandom rnd) {
        return new QuestionAnswer(QuestionType.COLOR, pick(COLOR_QUESTIONS, rnd).formatted(o.kind().word),
                "The " + o.kind().word + " is " + o.color().word + ".", o.color().word);
    }

    static QuestionAnswer shape(SceneObject o, boolean only, SplittableRandom rnd) {
        if (only) {
            return new QuestionAnswer(QuestionType.SHAPE, pick(SHAPE_QUESTIONS_SINGLE, rnd),
                    "It is a " + o.kind().word + ".", o.kind().word);
        }
        return new QuestionAnswer(QuestionType.SHAPE, pick(SHAPE_QUESTIONS_BY_COLOR, rnd).formatted(o.color().word),
                "The " + o.color().word + " shape is a " + o.kind().word + ".", o.kind().word);
    }

    static QuestionAnswer count(Scene s, SplittableRandom rnd) {
        int n = s.objects().size();
        String answer = n == 1 ? "There is one shape." : "There are " + NUMBER_WORDS[n] + " shapes.";
        return new QuestionAnswer(QuestionType.COUNT, pick(COUNT_QUESTIONS, rnd), answer, NUMBER_WORDS[n]);
    }

    static QuestionAnswer position(SceneObject o, SplittableRandom rnd) {
        return new QuestionAnswer(QuestionType.POSITION, pick(POSITION_QUESTIONS, rnd).formatted(o.kind().word),
                "The " + o.kind().word + " is " + o.placement().phrase + ".", o.placement().word);
    }

    static QuestionAnswer size(SceneObject o, SplittableRandom rnd) {
        return new QuestionAnswer(QuestionType.SIZE, pick(SIZE_QUESTIONS, rnd).formatted(o.kind().word),
                "The " + o.kind().word + " is " + o.size().word + ".", o.size().word);
    }

    static QuestionAnswer describe(Scene s, SplittableRandom rnd) {
        String d = description(s);
        return new QuestionAnswer(QuestionType.DESCRIBE, pick(DESCRIBE_QUESTIONS, rnd), d, d);
    }

    static <T> T pick(List<T> list, SplittableRandom rnd) {
        return list.get(rnd.nextInt(list.size()));
    }

    /** Every sentence the generator can write for the scenes' vocabulary, for building a tokenizer. */
    public static List<String> allTemplates() {
        List<String> out = new ArrayList<>(CAPTION_PROMPTS);
        for (List<String> l : List.of(COLOR_QUESTIONS, SHAPE_QUESTIONS_SINGLE, SHAPE_QUESTIONS_BY_COLOR, COUNT_QUESTIONS,
                POSITION_QUESTIONS, SIZE_QUESTIONS, DESCRIBE_QUESTIONS)) out.addAll(l);
        return out;
    }
}
