package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * POPE (LLaVA eval_pope.py): per category, the answers of that category in answer-file order paired BY POSITION with
 * the label file coco/coco_pope_{category}.json (zip stops at the shorter); an answer is "no" iff one of its
 * space-split words (after cutting at the first '.', deleting ',') is "No", "not" or "no".
 */
public final class PopeScorer implements Scorer {
    @Override public String name() { return "pope"; }

    static boolean saysNo(String text) {
        int dot = text.indexOf('.');
        if (dot >= 0) text = text.substring(0, dot);
        text = text.replace(",", "");
        for (String w : text.split(" ", -1)) if (w.equals("No") || w.equals("not") || w.equals("no")) return true;
        return false;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Map<Long, String> category = new LinkedHashMap<>();
        for (JsonNode q : Jsonl.read(dir.resolve("llava_pope_test.jsonl"))) category.put(q.get("question_id").asLong(), q.get("category").asText());
        List<JsonNode> answers = Jsonl.read(Jsonl.answers(dir));
        ObjectNode metrics = Jsonl.MAPPER.createObjectNode();
        List<String> cats = new ArrayList<>(new java.util.TreeSet<>(category.values()));
        for (String cat : cats) {
            Path labels = dir.resolve("coco").resolve("coco_pope_" + cat + ".json");
            if (!Files.isRegularFile(labels)) throw new EvalException("label file missing: " + labels);
            List<Integer> label = new ArrayList<>();
            for (JsonNode l : Jsonl.read(labels)) label.add(l.get("label").asText().equals("no") ? 0 : 1);
            List<Integer> pred = new ArrayList<>();
            for (JsonNode a : answers) {
                if (cat.equals(category.get(a.get("question_id").asLong()))) pred.add(saysNo(a.get("text").asText()) ? 0 : 1);
            }
            if (pred.isEmpty()) continue;
            double yesRatio = (double) pred.stream().filter(p -> p == 1).count() / pred.size();
            int tp = 0, tn = 0, fp = 0, fn = 0;
            for (int i = 0; i < Math.min(pred.size(), label.size()); i++) {
                int p = pred.get(i), l = label.get(i);
                if (p == 1 && l == 1) tp++;
                else if (p == 1) fp++;
                else if (l == 0) tn++;
                else fn++;
            }
            double precision = (double) tp / (tp + fp), recall = (double) tp / (tp + fn);
            ObjectNode m = metrics.putObject(cat);
            m.put("accuracy", (double) (tp + tn) / (tp + tn + fp + fn));
            m.put("precision", precision);
            m.put("recall", recall);
            m.put("f1", 2 * precision * recall / (precision + recall));
            m.put("yes_ratio", yesRatio);
            m.put("TP", tp).put("FP", fp).put("TN", tn).put("FN", fn).put("n_answers", pred.size());
        }
        return metrics;
    }
}
