package io.llava4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MMBench circular evaluation with exact matching only (VLMEvalKit mcq_circular_eval with model=None, can_infer,
 * report_acc): a base question counts when every circular copy's extracted letter equals its answer.
 */
public final class MmBenchScorer implements Scorer {
    static final String[] REFUSALS = {"Sorry, I can't help with images of people yet.", "I can't process this file.",
            "I'm sorry, but without the image provided", "Cannot determine the answer"};
    static final Pattern ANSWER_IS = Pattern.compile("(?i)(?:correct" + PyStr.SPACE_CLASS + "+)?answer" + PyStr.SPACE_CLASS + "+is" + PyStr.SPACE_CLASS + "+\\**([ABCD])\\**");

    @Override public String name() { return "mmbench"; }

    /** can_infer_option: a letter, "Z" (refusal), or null (not inferable). */
    static String inferOption(String answer, Map<String, String> choices) {
        if (answer.contains("Failed to obtain answer via API")) return null;
        for (String r : REFUSALS) if (answer.contains(r)) return "Z";
        String mod = answer;
        for (char c : ".()[],:;!*#{}".toCharArray()) mod = mod.replace(c, ' ');
        List<String> splits = PyStr.split(mod);
        int count = 0;
        for (String c : choices.keySet()) if (splits.contains(c)) count++;
        if (count == 1) {
            for (String c : choices.keySet()) {
                if (splits.contains(c) && splits.indexOf(c) > splits.size() - 5) return c;
            }
        } else if (count == 0 && splits.contains("Z")) {
            return "Z";
        }
        Matcher m = ANSWER_IS.matcher(answer);
        if (m.find() && choices.containsKey(m.group(1).toUpperCase(java.util.Locale.ROOT))) return m.group(1).toUpperCase(java.util.Locale.ROOT);
        return null;
    }

    /** can_infer_text: exactly one choice text inside the (not too long) answer. */
    static String inferText(String answer, Map<String, String> choices) {
        String a = answer.toLowerCase(java.util.Locale.ROOT);
        int total = 0;
        for (String t : choices.values()) total += PyStr.len(t);
        if (PyStr.len(a) > 2 * total) return null;
        List<String> cands = new ArrayList<>();
        for (var e : choices.entrySet()) if (a.contains(e.getValue().toLowerCase(java.util.Locale.ROOT))) cands.add(e.getKey());
        return cands.size() == 1 ? cands.getFirst() : null;
    }

    static String infer(String answer, Map<String, String> choices) {
        String o = inferOption(answer, choices);
        return o != null ? o : inferText(answer, choices);
    }

    /** The benchmark TSV: the fixture's name, else the one .tsv that is not predictions_vlmevalkit.tsv. */
    static Path benchmarkTsv(Path dir) throws java.io.IOException {
        Path fixture = dir.resolve("mmbench_dev_synthetic.tsv");
        if (Files.isRegularFile(fixture)) return fixture;
        try (var s = Files.list(dir)) {
            List<Path> tsvs = s.filter(p -> p.toString().endsWith(".tsv") && !p.getFileName().toString().equals("predictions_vlmevalkit.tsv")).sorted().toList();
            if (tsvs.size() != 1) throw new EvalException("mmbench: expected one benchmark .tsv in " + dir + ", found " + tsvs.size());
            return tsvs.getFirst();
        }
    }

    /**
     * An --all-rounds answer row (model_vqa_mmbench.py) was asked with the options rotated: its choices are the row's
     * "options" under the letters A, B, ... and its ground truth is the letter where the right option text now is.
     */
    static void rotated(Map<String, String> r, Map<String, String> truth, com.fasterxml.jackson.databind.JsonNode options) {
        if (options == null || !options.isArray()) throw new EvalException("mmbench answer " + truth.get("index") + " has round_id > 0 but no options list");
        String right = truth.get(truth.get("answer"));
        for (String c : new String[] {"A", "B", "C", "D"}) r.put(c, "");
        String gt = null;
        for (int i = 0; i < options.size() && i < 4; i++) {
            String letter = String.valueOf((char) ('A' + i));
            r.put(letter, options.get(i).asText());
            if (gt == null && options.get(i).asText().equals(right)) gt = letter;
        }
        if (gt == null) throw new EvalException("mmbench answer " + truth.get("index") + ": the right option '" + right + "' is not among its options");
        r.put("answer", gt);
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Path predFile = dir.resolve("predictions_vlmevalkit.tsv");
        List<Map<String, String>> rows = new ArrayList<>();
        Map<String, Map<String, String>> truth = new LinkedHashMap<>();
        for (Map<String, String> r : Tsv.read(benchmarkTsv(dir))) truth.put(r.get("index"), r);
        if (Files.isRegularFile(predFile)) rows = Tsv.read(predFile);
        else {
            for (var a : Jsonl.read(Jsonl.answers(dir))) {
                Map<String, String> t = truth.get(a.get("question_id").asText());
                if (t == null) throw new EvalException("answer for index " + a.get("question_id").asText() + " is not in " + benchmarkTsv(dir).getFileName());
                Map<String, String> r = new LinkedHashMap<>(t);
                r.put("prediction", a.get("text").asText());
                if (a.path("round_id").asInt(0) > 0) rotated(r, t, a.get("options"));
                rows.add(r);
            }
        }
        Map<Long, List<Map<String, String>>> groups = new LinkedHashMap<>();
        for (Map<String, String> r : rows) groups.computeIfAbsent(Long.parseLong(r.get("index")) % 1_000_000, k -> new ArrayList<>()).add(r);
        int hits = 0;
        Map<String, int[]> byL2 = new TreeMap<>(), byCat = new TreeMap<>();
        for (var g : groups.entrySet()) {
            boolean wrong = false, all = true;
            for (Map<String, String> r : g.getValue()) {
                Map<String, String> t = truth.get(r.get("index"));
                if (t == null) throw new EvalException("index " + r.get("index") + " is not in mmbench_dev_synthetic.tsv");
                Map<String, String> choices = new LinkedHashMap<>();
                for (String c : new String[] {"A", "B", "C", "D"}) if (!r.getOrDefault(c, "").isEmpty()) choices.put(c, r.get(c));
                String letter = infer(r.getOrDefault("prediction", ""), choices);
                String gt = r.get("answer") != null && !r.get("answer").isEmpty() ? r.get("answer") : t.get("answer");
                if (letter != null && !letter.equals(gt)) wrong = true;
                if (letter == null || !letter.equals(gt)) all = false;
            }
            int hit = !wrong && all ? 1 : 0;
            hits += hit;
            Map<String, String> first = truth.get(g.getValue().getFirst().get("index"));
            byL2.computeIfAbsent(first.get("l2-category"), k -> new int[2]);
            byL2.get(first.get("l2-category"))[0] += hit;
            byL2.get(first.get("l2-category"))[1]++;
            byCat.computeIfAbsent(first.get("category"), k -> new int[2]);
            byCat.get(first.get("category"))[0] += hit;
            byCat.get(first.get("category"))[1]++;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        m.put("overall", (double) hits / groups.size());
        ObjectNode l2 = m.putObject("l2_category"), cat = m.putObject("category");
        byL2.forEach((k, v) -> l2.put(k, (double) v[0] / v[1]));
        byCat.forEach((k, v) -> cat.put(k, (double) v[0] / v[1]));
        return m;
    }
}
