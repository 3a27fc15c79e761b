package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * GQA: LLaVA's convert_gqa_for_eval.py (prediction = text.rstrip('.').lower()) and the GQA accuracy rule (exact
 * match, balanced questions; open = structural type "query", binary = the others).
 */
public final class GqaScorer implements Scorer {
    @Override public String name() { return "gqa"; }

    static String convert(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '.') end--;
        return text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    }

    /** The converted predictions file content, as json.dump writes it. */
    public static String convertedJson(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (JsonNode a : Jsonl.read(Jsonl.answers(dir))) {
            if (!first) sb.append(", ");
            first = false;
            sb.append("{\"questionId\": ").append(PyJson.dumps(a.get("question_id").asText()))
                    .append(", \"prediction\": ").append(PyJson.dumps(convert(a.get("text").asText()))).append('}');
        }
        return sb.append(']').toString();
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        JsonNode questions = Jsonl.json(dir.resolve("testdev_balanced_questions.json"));
        Map<String, String> pred = new HashMap<>();
        for (JsonNode a : Jsonl.read(Jsonl.answers(dir))) pred.put(a.get("question_id").asText(), convert(a.get("text").asText()));
        int n = 0, c = 0, nOpen = 0, cOpen = 0, nBin = 0, cBin = 0;
        for (var e : questions.properties()) {
            JsonNode q = e.getValue();
            if (!q.path("isBalanced").asBoolean(false)) continue;
            String p = pred.get(e.getKey());
            if (p == null) continue;
            boolean ok = p.equals(q.get("answer").asText());
            boolean open = q.path("types").path("structural").asText().equals("query");
            n++; if (ok) c++;
            if (open) { nOpen++; if (ok) cOpen++; } else { nBin++; if (ok) cBin++; }
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        m.put("accuracy", 100.0 * c / n);
        m.put("binary", nBin == 0 ? 0 : 100.0 * cBin / nBin);
        m.put("open", nOpen == 0 ? 0 : 100.0 * cOpen / nOpen);
        return m;
    }
}
