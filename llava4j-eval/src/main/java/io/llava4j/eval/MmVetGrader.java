package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * MM-Vet graded as the official mm-vet_evaluator.py (one run): for each item of mm-vet.json the judge completes the
 * few-shot table with the correctness of the model's answer (max_tokens 3, temperature 0). The first space-separated
 * token must be a number in [0, 1]; otherwise it is asked again with "Predict the correctness of the answer (digit): "
 * at temperature 0, 0.5, 1.0, 1.5, 2.0, and after the fifth re-ask the item scores 0.0 (the official loop). Scores are
 * kept in results/&lt;model&gt;_&lt;judge&gt;-grade-1runs.json so a rerun grades only what is missing. Per capability:
 * sum of scores / items with that capability x 100; total over all items (numpy rounding to 1 decimal).
 */
public final class MmVetGrader implements Scorer {
    static final String PROMPT = """
            Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. <AND> in the ground truth means it is totally right only when all elements in the ground truth are present in the prediction, and <OR> means it is totally right when any one element in the ground truth is present in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, or 1.0 (totally right). Just complete the last space of the correctness score.

            Question | Ground truth | Prediction | Correctness
            --- | --- | --- | ---
            What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0
            What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5
            What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5
            What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5
            What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0
            Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very green. | 0.4
            Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme is using humor to point out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme is derived from the unexpected contrast between the names of the countries and their actual physical characteristics. | 1.0
            """;
    static final String RETRY_SUFFIX = "\nPredict the correctness of the answer (digit): ";

    @Override public String name() { return "mmvet"; }
    @Override public String defaultJudgeModel() { return "gpt-4-0613"; }

    /** The grading question of one item. */
    static String question(String question, String answer, String prediction) {
        return PROMPT + "\n" + String.join(" | ", question, answer.replace("<AND>", " <AND> ").replace("<OR>", " <OR> "), prediction, "");
    }

    /** float(content.split(" ")[0].strip()) within [0, 1], or null. NaN passes, as in the official check. */
    static Double parse(String content) {
        String t = PyStr.strip(content.split(" ", -1)[0]);
        Double v = pyFloat(t);
        if (v == null || v > 1.0 || v < 0.0) return null;
        return v;
    }

    /** Python float() on a stripped string, or null. */
    static Double pyFloat(String t) {
        String l = t.toLowerCase(java.util.Locale.ROOT);
        String sign = l.startsWith("-") || l.startsWith("+") ? l.substring(0, 1) : "";
        String body = l.substring(sign.length());
        if (body.equals("nan")) return Double.NaN;
        if (body.equals("inf") || body.equals("infinity")) return sign.equals("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (!body.matches("(\\d(_?\\d)*)?(\\.(\\d(_?\\d)*)?)?([e](\\+|-)?\\d(_?\\d)*)?") || !body.matches(".*\\d.*") || body.matches("\\.?e.*")) return null;
        if (body.startsWith(".") && body.length() > 1 && !Character.isDigit(body.charAt(1))) return null;
        return Double.parseDouble(sign + body.replace("_", ""));
    }

    /** The model's predictions: results/&lt;model&gt;.json, else answers/&lt;model&gt;.jsonl converted. */
    static Map<String, String> predictions(Path dir, String[] modelName) throws Exception {
        Map<String, String> r = new LinkedHashMap<>();
        Path results = dir.resolve("results");
        if (Files.isDirectory(results)) {
            try (var s = Files.list(results)) {
                List<Path> files = s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().contains("-grade-")).sorted().toList();
                if (!files.isEmpty()) {
                    modelName[0] = files.getFirst().getFileName().toString().replaceFirst("\\.json$", "");
                    Jsonl.json(files.getFirst()).properties().forEach(e -> r.put(e.getKey(), e.getValue().asText()));
                    return r;
                }
            }
        }
        Path answers = Jsonl.answers(dir);
        modelName[0] = answers.getFileName().toString().replaceFirst("\\.jsonl$", "");
        for (JsonNode row : Jsonl.read(answers)) r.put("v1_" + row.get("question_id").asText(), row.get("text").asText());
        return r;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        JsonNode data = Jsonl.json(dir.resolve("mm-vet.json"));
        String[] modelName = new String[1];
        Map<String, String> preds = predictions(dir, modelName);
        String judgeName = o.judge() != null ? o.judge().model() : defaultJudgeModel();
        Path gradeFile = Files.createDirectories(dir.resolve("results")).resolve(modelName[0] + "_" + judgeName + "-grade-1runs.json");
        ObjectNode grades = Files.exists(gradeFile) ? (ObjectNode) Jsonl.json(gradeFile) : Jsonl.MAPPER.createObjectNode();
        int malformed = 0, zeroed = 0, requests = 0;
        for (var e : data.properties()) {
            String id = e.getKey();
            if (grades.has(id) && grades.get(id).get("score").size() >= 1) continue;
            if (o.judge() == null) throw new EvalException("mmvet needs a judge for the ungraded items (first: " + id + "): --judge-url URL [--judge-model NAME]");
            String pred = preds.get(id);
            if (pred == null) throw new EvalException("mmvet: no prediction for " + id + " (results json or answers)");
            JsonNode line = e.getValue();
            String q = question(line.get("question").asText(), line.get("answer").asText(), pred);
            double temperature = 0.0;
            String content = o.judge().complete(List.of(new JudgeClient.Message("user", q)), 0, temperature, 3);
            requests++;
            int tryTime = 1;
            Double score = parse(content);
            while (score == null) {
                malformed++;
                content = o.judge().complete(List.of(new JudgeClient.Message("user", q + RETRY_SUFFIX)), tryTime, temperature, 3);
                requests++;
                tryTime++;
                temperature += 0.5;
                if (tryTime > 5) { score = 0.0; zeroed++; break; }
                score = parse(content);
            }
            ObjectNode g = grades.putObject(id);
            g.putArray("model").add(judgeName);
            g.putArray("content").add(content);
            g.putArray("score").add(score);
            Files.writeString(gradeFile, Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(grades), StandardCharsets.UTF_8);
        }
        // per capability (counter over all items) and per capability set (sorted names joined by "_")
        Map<String, double[]> caps = new LinkedHashMap<>(), sets = new LinkedHashMap<>();
        double total = 0;
        int n = 0;
        for (var e : data.properties()) {
            double s = grades.get(e.getKey()).get("score").get(0).asDouble();
            TreeSet<String> c = new TreeSet<>();
            e.getValue().get("capability").forEach(x -> c.add(x.asText()));
            for (String cap : c) { double[] a = caps.computeIfAbsent(cap, k -> new double[2]); a[0] += s; a[1]++; }
            double[] a = sets.computeIfAbsent(String.join("_", c), k -> new double[2]);
            a[0] += s;
            a[1]++;
            total += s;
            n++;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        m.put("total", npRound1(total / n * 100));
        ObjectNode capNode = m.putObject("capabilities"), setNode = m.putObject("capability_integration");
        caps.forEach((k, v) -> capNode.put(k, npRound1(v[0] / v[1] * 100)));
        sets.forEach((k, v) -> setNode.put(k, npRound1(v[0] / v[1] * 100)));
        m.put("graded", n).put("judge_requests", requests).put("malformed_replies", malformed).put("zero_after_retries", zeroed);
        if (zeroed > 0) System.err.println("mmvet: " + zeroed + " item(s) got no score in [0, 1] after 5 re-asks and score 0.0 (as officially)");
        return m;
    }

    /** numpy's round(x, 1): rint(x * 10) / 10. */
    static double npRound1(double x) { return Math.rint(x * 10) / 10; }
}
