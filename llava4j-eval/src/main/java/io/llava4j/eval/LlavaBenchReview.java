package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** LLaVA-Bench GPT reviews: parse_score (eval_gpt_review_bench.py) and summarize_gpt_review.py. */
public final class LlavaBenchReview implements Scorer {
    @Override public String name() { return "llavabench_review"; }

    /** First line, ',' -> ' ', split on single spaces; exactly two floats, else [-1, -1]. */
    static double[] parseScore(String review) {
        String first = review.split("\n", -1)[0].replace(",", " ");
        String[] parts = first.split(" ", -1);
        if (parts.length != 2) return new double[] {-1, -1};
        try {
            return new double[] {pyFloat(parts[0]), pyFloat(parts[1])};
        } catch (NumberFormatException e) {
            return new double[] {-1, -1};
        }
    }

    private static double pyFloat(String s) {
        String t = PyStr.strip(s);
        if (t.isEmpty() || !t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) throw new NumberFormatException(s);
        return Double.parseDouble(t);
    }

    /** The summary lines and numbers, per category sorted, "all" included. */
    public static String summarize(Path file, ObjectNode out) throws Exception {
        Map<String, List<double[]>> scores = new TreeMap<>();
        for (JsonNode r : Jsonl.read(file)) {
            JsonNode t = r.get("tuple");
            double[] v = {t.get(0).asDouble(), t.get(1).asDouble()};
            scores.computeIfAbsent(r.get("category").asText(), k -> new ArrayList<>()).add(v);
            scores.computeIfAbsent("all", k -> new ArrayList<>()).add(v);
        }
        String config = file.getFileName().toString().replace("gpt4_text_", "").replace(".jsonl", "");
        StringBuilder sb = new StringBuilder(config).append('\n');
        for (var e : scores.entrySet()) {
            double s0 = 0, s1 = 0;
            for (double[] v : e.getValue()) { s0 += v[0]; s1 += v[1]; }
            double m0 = PyFormat.round(s0 / e.getValue().size(), 3), m1 = PyFormat.round(s1 / e.getValue().size(), 3);
            double rel = PyFormat.round(m1 / m0 * 100, 1), ref = PyFormat.round(m0 * 10, 1), model = PyFormat.round(m1 * 10, 1);
            sb.append(e.getKey()).append(' ').append(PyFormat.repr(rel)).append(' ').append(PyFormat.repr(ref)).append(' ').append(PyFormat.repr(model)).append('\n');
            if (out != null) out.putObject(e.getKey()).put("relative_pct", rel).put("ref_x10", ref).put("model_x10", model);
        }
        return sb.append("=================================\n").toString();
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Path reviews = dir.resolve("reviews");
        if (!Files.isDirectory(reviews)) throw new EvalException(dir + ": no reviews/ folder");
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        try (var s = Files.list(reviews)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) summarize(f, m);
        }
        return m;
    }
}
