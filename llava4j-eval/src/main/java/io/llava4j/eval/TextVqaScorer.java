package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** TextVQA (LLaVA eval_textvqa.py + m4c TextVQAAccuracyEvaluator): soft accuracy over the 10 normalised answers. */
public final class TextVqaScorer implements Scorer {
    @Override public String name() { return "textvqa"; }

    /** The question as eval_textvqa.py extracts it from the prompt (lower-cased, not stripped). */
    static String question(String prompt) {
        if (prompt.startsWith("OCR tokens: ")) {
            int a = prompt.indexOf("Question: ") + "Question: ".length(), b = prompt.indexOf(" Short answer:");
            return prompt.substring(a, b).toLowerCase(java.util.Locale.ROOT);
        }
        String[] lines = prompt.split("\n", -1);
        if (prompt.contains("Reference OCR token: ") && lines.length == 3) {
            return (prompt.startsWith("Reference OCR token:") ? lines[1] : lines[0]).toLowerCase(java.util.Locale.ROOT);
        }
        if (lines.length == 2) return lines[0].toLowerCase(java.util.Locale.ROOT);
        throw new EvalException("cannot extract the question from prompt: " + prompt.replace("\n", "\\n"));
    }

    /** Soft score of each distinct normalised answer: mean over the 10 positions of min(1, #others equal / 3). */
    static Map<String, Double> answerScores(List<String> raw) {
        List<String> gt = new ArrayList<>();
        for (String r : raw) gt.add(EvalAiAnswerProcessor.process(r));
        Set<String> unique = new LinkedHashSet<>(gt);
        Map<String, Double> out = new HashMap<>();
        for (String u : unique) {
            double sum = 0;
            for (int i = 0; i < gt.size(); i++) {
                int match = 0;
                for (int j = 0; j < gt.size(); j++) if (j != i && gt.get(j).equals(u)) match++;
                sum += Math.min(1, match / 3.0);
            }
            out.put(u, sum / gt.size());
        }
        return out;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Map<String, JsonNode> annotations = new HashMap<>();
        for (JsonNode a : Jsonl.json(dir.resolve("TextVQA_0.5.1_val.json")).get("data")) {
            annotations.put(a.get("image_id").asText() + "\u0000" + a.get("question").asText().toLowerCase(java.util.Locale.ROOT), a);
        }
        double sum = 0;
        int n = 0;
        for (JsonNode row : Jsonl.read(Jsonl.answers(dir))) {
            String q = question(row.get("prompt").asText());
            JsonNode ann = annotations.get(row.get("question_id").asText() + "\u0000" + q);
            if (ann == null) throw new EvalException("no annotation for question_id " + row.get("question_id") + " / '" + q + "'");
            List<String> answers = new ArrayList<>();
            ann.get("answers").forEach(x -> answers.add(x.asText()));
            sum += answerScores(answers).getOrDefault(EvalAiAnswerProcessor.process(row.get("text").asText()), 0.0);
            n++;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        m.put("accuracy", sum / n);
        m.put("samples", n);
        return m;
    }
}
