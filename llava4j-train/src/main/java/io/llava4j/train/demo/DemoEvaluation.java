package io.llava4j.train.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scores a model on the demo's held-out split ({@code DATA/test.json}): each question is asked through the normal chat
 * API (the model's own template, greedy, one turn with its image), and the answer is judged by {@link AnswerScorer}.
 * Reports accuracy per question type as a table and as JSON.
 */
public final class DemoEvaluation {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One held-out question (test.json row). */
    public record TestQuestion(String id, String image, QuestionType type, String question, String expected,
                               List<AnswerScorer.SceneWords> objects) {}

    /** One answered question. */
    public record Graded(TestQuestion question, String answer, boolean correct) {}

    /** Right / asked per type, in {@link QuestionType} order. */
    public record Report(List<Graded> graded) {
        public Map<QuestionType, int[]> byType() {
            Map<QuestionType, int[]> m = new LinkedHashMap<>();
            for (QuestionType t : QuestionType.values()) {
                int[] c = {0, 0};
                for (Graded g : graded) if (g.question().type() == t) { c[1]++; if (g.correct()) c[0]++; }
                if (c[1] > 0) m.put(t, c);
            }
            return m;
        }

        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-10s %8s %8s %9s%n", "type", "right", "asked", "accuracy"));
            int right = 0, asked = 0;
            for (var e : byType().entrySet()) {
                sb.append(String.format(Locale.ROOT, "%-10s %8d %8d %8.1f%%%n", e.getKey().key, e.getValue()[0], e.getValue()[1], 100.0 * e.getValue()[0] / e.getValue()[1]));
                right += e.getValue()[0];
                asked += e.getValue()[1];
            }
            sb.append(String.format(Locale.ROOT, "%-10s %8d %8d %8.1f%%%n", "all", right, asked, asked == 0 ? 0 : 100.0 * right / asked));
            return sb.toString();
        }

        public ObjectNode json() {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode types = root.putObject("accuracy");
            for (var e : byType().entrySet()) {
                types.putObject(e.getKey().key).put("right", e.getValue()[0]).put("asked", e.getValue()[1])
                        .put("accuracy", (double) e.getValue()[0] / e.getValue()[1]);
            }
            ArrayNode rows = root.putArray("answers");
            for (Graded g : graded) {
                rows.addObject().put("id", g.question().id()).put("type", g.question().type().key).put("question", g.question().question())
                        .put("expected", g.question().expected()).put("answer", g.answer()).put("correct", g.correct());
            }
            return root;
        }
    }

    private DemoEvaluation() {}

    public static List<TestQuestion> readQuestions(Path dataDir) throws IOException {
        Path file = dataDir.resolve("test.json");
        if (!Files.isRegularFile(file)) throw new IOException("no held-out questions: " + file + " does not exist (make it with make-demo-data)");
        JsonNode root = JSON.readTree(file.toFile());
        if (!root.isArray()) throw new IOException(file + " is not a JSON array");
        List<TestQuestion> out = new ArrayList<>();
        for (JsonNode r : root) {
            List<AnswerScorer.SceneWords> objects = new ArrayList<>();
            for (JsonNode o : r.path("objects")) {
                objects.add(new AnswerScorer.SceneWords(o.path("shape").asText(), o.path("color").asText(), o.path("size").asText(), o.path("position").asText()));
            }
            for (String f : List.of("id", "image", "type", "question", "expected")) {
                if (!r.hasNonNull(f)) throw new IOException(file + ": a question has no '" + f + "': " + r);
            }
            out.add(new TestQuestion(r.get("id").asText(), r.get("image").asText(), QuestionType.byKey(r.get("type").asText()),
                    r.get("question").asText(), r.get("expected").asText(), objects));
        }
        return out;
    }

    public static boolean grade(TestQuestion q, String answer) {
        return q.type() == QuestionType.DESCRIBE ? AnswerScorer.correctDescription(q.objects(), answer)
                : AnswerScorer.correct(q.type(), q.expected(), answer);
    }

    /** Asks every question (at most {@code limit} when > 0), greedy with {@code maxNewTokens}; {@code onAnswer} sees each as it comes. */
    public static Report run(Path modelDir, Path dataDir, int limit, int maxNewTokens, Consumer<Graded> onAnswer) throws IOException {
        List<TestQuestion> qs = readQuestions(dataDir);
        if (limit > 0 && qs.size() > limit) qs = qs.subList(0, limit);
        List<Graded> graded = new ArrayList<>();
        try (Llava4j llava = Llava4j.load(modelDir)) {
            SamplingParams greedy = SamplingParams.greedy().withMaxNewTokens(maxNewTokens);
            for (TestQuestion q : qs) {
                Path image = dataDir.resolve(q.image());
                String answer = llava.newChat().send(q.question(), List.of(ImageDecoder.decode(image)), greedy, null).text();
                Graded g = new Graded(q, answer, grade(q, answer));
                graded.add(g);
                if (onAnswer != null) onAnswer.accept(g);
            }
        }
        return new Report(graded);
    }
}
