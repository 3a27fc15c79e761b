package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The seeds' submission converters, byte for byte: VQAv2 test-dev and VizWiz (EvalAI-normalised answers, json.dump
 * defaults), SEED (per-type accuracy printout + upload jsonl).
 */
public final class Converters {
    private Converters() {}

    /** What a converter printed and the file it writes. */
    public record Output(String printed, String file) {}

    /** Answer rows keyed by question_id; lines that are not JSON are counted, a later row wins. */
    private record Results(Map<String, String> byId, int errorLines) {}

    private static Results results(Path file) throws Exception {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        int err = 0;
        for (String line : Files.readAllLines(file)) {
            try {
                JsonNode n = Jsonl.MAPPER.readTree(line);
                if (n == null) { err++; continue; }
                m.put(key(n.get("question_id")), n.get("text").asText());
            } catch (Exception e) {
                err++;
            }
        }
        return new Results(m, err);
    }

    /** Python dict key identity: ints and strings are different keys. */
    static String key(JsonNode id) { return id.isNumber() ? "i:" + id.asText() : "s:" + id.asText(); }

    private static String pyValue(JsonNode n) { return n.isNumber() ? n.asText() : PyJson.dumps(n.asText()); }

    public static Output vizwiz(Path dir) throws Exception {
        Results r = results(Jsonl.answers(dir));
        List<JsonNode> split = Jsonl.read(dir.resolve("llava_test.jsonl"));
        String printed = "total results: " + r.byId().size() + ", total split: " + split.size() + ", error_line: " + r.errorLines() + "\n";
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < split.size(); i++) {
            JsonNode x = split.get(i);
            String text = r.byId().get(key(x.get("question_id")));
            if (text == null) throw new EvalException("VizWiz: no answer for question " + x.get("question_id") + " (every test question needs one)");
            if (i > 0) sb.append(", ");
            sb.append("{\"image\": ").append(PyJson.dumps(x.get("image").asText())).append(", \"answer\": ")
                    .append(PyJson.dumps(EvalAiAnswerProcessor.process(text))).append('}');
        }
        return new Output(printed, sb.append(']').toString());
    }

    /** dir = the --dir of convert_vqav2_for_submission.py; answers/&lt;split&gt;/&lt;ckpt&gt;/merge.jsonl. */
    public static Output vqav2(Path dir, String split, String ckpt) throws Exception {
        Results r = results(dir.resolve("answers").resolve(split).resolve(ckpt).resolve("merge.jsonl"));
        List<JsonNode> test = Jsonl.read(dir.resolve("llava_vqav2_mscoco_test2015.jsonl"));
        String printed = "total results: " + r.byId().size() + ", total split: " + test.size() + ", error_line: " + r.errorLines() + "\n";
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < test.size(); i++) {
            JsonNode x = test.get(i);
            String text = r.byId().get(key(x.get("question_id")));
            if (i > 0) sb.append(", ");
            sb.append("{\"question_id\": ").append(pyValue(x.get("question_id"))).append(", \"answer\": ")
                    .append(PyJson.dumps(text == null ? "" : EvalAiAnswerProcessor.process(text))).append('}');
        }
        return new Output(printed, sb.append(']').toString());
    }

    public static Output seed(Path dir) throws Exception {
        JsonNode data = Jsonl.json(dir.resolve("SEED-Bench.json"));
        Map<String, JsonNode> results = new HashMap<>();
        for (JsonNode row : Jsonl.read(Jsonl.answers(dir))) results.put(key(row.get("question_id")), row);
        Map<Integer, String> typeName = new HashMap<>();
        data.get("question_type").properties().forEach(e -> typeName.put(e.getValue().asInt(), e.getKey()));
        StringBuilder printed = new StringBuilder();
        for (String only : new String[] {null, "image", "video"}) {
            Map<Integer, Integer> count = new java.util.TreeMap<>(), correct = new HashMap<>();
            for (JsonNode q : data.get("questions")) {
                if (only != null && !only.equals(q.get("data_type").asText())) continue;
                int type = q.get("question_type_id").asInt();
                count.merge(type, 1, Integer::sum);
                JsonNode row = results.get(seedKey(q.get("question_id").asText()));
                if (row == null) { correct.putIfAbsent(type, 0); continue; }
                if (row.get("text").asText().equals(q.get("answer").asText())) correct.merge(type, 1, Integer::sum);
            }
            int total = 0, ok = 0;
            for (int type : count.keySet()) {
                Integer c = correct.get(type);
                if (c == null) throw new EvalException("SEED: question type " + type + " has only wrong answers (the official script crashes here with KeyError)");
                double acc = (double) c / count.get(type) * 100;
                if (only == null) printed.append(typeName.get(type)).append(": ").append(PyFormat.fixed(acc, 2)).append("%\n");
                total += count.get(type);
                ok += c;
            }
            if (total == 0) throw new EvalException("SEED: no " + (only == null ? "" : only + " ") + "questions (the official script divides by zero)");
            double acc = (double) ok / total * 100;
            printed.append(only == null ? "Total" : only).append(" accuracy: ").append(PyFormat.fixed(acc, 2)).append("%\n");
        }
        StringBuilder upload = new StringBuilder();
        for (JsonNode q : data.get("questions")) {
            String qid = q.get("question_id").asText();
            JsonNode row = results.containsKey("s:" + qid) ? results.get("s:" + qid) : results.get(seedKey(qid));
            if (row == null) throw new EvalException("SEED: no answer for question " + qid + " (the official upload writer crashes here)");
            upload.append("{\"question_id\": ").append(PyJson.dumps(qid)).append(", \"prediction\": ").append(PyJson.dumps(row.get("text").asText())).append("}\n");
        }
        return new Output(printed.toString(), upload.toString());
    }

    /** Python int(question_id) when it parses (digit groups may be joined by single underscores: "4588_8" -> 45888), else the raw string. */
    private static String seedKey(String qid) {
        String t = PyStr.strip(qid);
        if (t.matches("[+-]?\\d+(_\\d+)*")) return "i:" + Long.parseLong(t.replace("_", "").replace("+", ""));
        return "s:" + qid;
    }
}
