package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** ScienceQA (LLaVA eval_science_qa.py, split test, options A-E): letter extraction, IMG accuracy by prompt. */
public final class ScienceQaScorer implements Scorer {
    static final String OPTIONS = "ABCDE";
    static final Pattern ANSWER_IS = Pattern.compile("The answer is ([A-Z]).");

    @Override public String name() { return "scienceqa"; }

    static String letter(String text) {
        if (text.length() == 1 && OPTIONS.contains(text)) return text;
        if (text.length() >= 3 && OPTIONS.indexOf(text.charAt(0)) >= 0 && text.substring(1, 3).equals(". ")) return text.substring(0, 1);
        Matcher m = ANSWER_IS.matcher(text);
        String found = null;
        int n = 0;
        while (m.find()) { found = m.group(1); n++; }
        return n == 1 ? found : "FAILED";
    }

    static int index(String letter, int choices) {
        int i = letter.length() == 1 ? OPTIONS.indexOf(letter) : -1;
        return i >= 0 && i < choices ? i : -1;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        JsonNode problems = Jsonl.json(dir.resolve("base/problems.json"));
        JsonNode split = Jsonl.json(dir.resolve("base/pid_splits.json")).get("test");
        if (split == null) throw new EvalException(dir.resolve("base/pid_splits.json") + ": no \"test\" split");
        Map<String, JsonNode> preds = new HashMap<>();
        for (JsonNode p : Jsonl.read(Jsonl.answers(dir))) preds.put(p.get("question_id").asText(), p);
        int correct = 0, total = 0, mmCorrect = 0, mmTotal = 0;
        ObjectNode results = Jsonl.MAPPER.createObjectNode();
        for (JsonNode pidNode : split) {
            String pid = pidNode.asText();
            JsonNode prob = problems.get(pid);
            if (prob == null) throw new EvalException("problem " + pid + " not in problems.json");
            JsonNode pred = preds.get(pid);
            String text = pred == null ? "FAILED" : pred.get("text").asText();
            String prompt = pred == null ? "Unknown" : pred.path("prompt").asText();
            int idx = index(letter(text), prob.get("choices").size());
            results.put(pid, idx);
            boolean ok = idx == prob.get("answer").asInt();
            boolean mm = prompt.contains("<image>");
            total++;
            if (ok) correct++;
            if (mm) { mmTotal++; if (ok) mmCorrect++; }
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        m.put("acc", (double) correct / total * 100);
        m.put("correct", correct);
        m.put("count", total);
        m.put("img_acc", mmTotal == 0 ? 0 : (double) mmCorrect / mmTotal * 100);
        m.set("results", results);
        return m;
    }
}
