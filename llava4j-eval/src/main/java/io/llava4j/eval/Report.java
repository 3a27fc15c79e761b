package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A results report from several `eval score --out` files: markdown and JSON tables (one row per run, one column per
 * numeric metric, with model, data revision, judge and frame sampler recorded), and an HTML page with a bar chart
 * per metric comparing the runs (inline SVG, no scripts).
 */
public final class Report {
    private Report() {}

    /** One run: its label and flattened numeric metrics ("random.f1" -> 0.34). */
    record Run(String benchmark, String label, Map<String, String> info, Map<String, Double> metrics) {}

    static Run load(Path file) throws Exception {
        JsonNode r = Jsonl.json(file);
        if (!r.has("benchmark") || !r.has("metrics")) throw new EvalException(file + ": not an 'eval score --out' result (no benchmark/metrics)");
        Map<String, String> info = new LinkedHashMap<>();
        for (String k : new String[] {"model", "data_revision", "judge", "frame_sampler"}) info.put(k, r.path(k).asText("-"));
        Map<String, Double> m = new LinkedHashMap<>();
        flatten("", r.get("metrics"), m);
        String label = info.get("model").equals("-") ? file.getFileName().toString() : info.get("model");
        return new Run(r.get("benchmark").asText(), label, info, m);
    }

    private static void flatten(String prefix, JsonNode n, Map<String, Double> out) {
        if (n.isNumber() && !n.isIntegralNumber()) out.put(prefix, n.asDouble());
        else if (n.isIntegralNumber() && !prefix.matches(".*\\b(TP|FP|TN|FN|n_answers|count|correct|samples|judge_calls|malformed_replies|yes_count|no_count)$")) out.put(prefix, n.asDouble());
        else if (n.isObject()) n.properties().forEach(e -> {
            if (!e.getKey().equals("results") && !e.getKey().equals("per_task")) flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
        });
    }

    /** Writes report.md, report.json and report.html to outDir. */
    public static void write(List<Path> results, Path outDir) throws Exception {
        List<Run> runs = new ArrayList<>();
        for (Path p : results) runs.add(load(p));
        Files.createDirectories(outDir);
        Map<String, List<Run>> byBench = new LinkedHashMap<>();
        for (Run r : runs) byBench.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add(r);
        StringBuilder md = new StringBuilder("# Evaluation report\n");
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>llava4j evaluation report</title>"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}"
                + "th{background:#f4f4f4}h3{margin-top:1.5em}</style></head><body><h1>Evaluation report</h1>");
        ArrayNode json = Jsonl.MAPPER.createArrayNode();
        String[] palette = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};
        for (var e : byBench.entrySet()) {
            Set<String> cols = new LinkedHashSet<>();
            for (Run r : e.getValue()) cols.addAll(r.metrics().keySet());
            md.append("\n## ").append(e.getKey()).append("\n\n| run | model | data revision | judge | frame sampler |");
            for (String c : cols) md.append(' ').append(c).append(" |");
            md.append("\n|---|---|---|---|---|").append("---|".repeat(cols.size())).append('\n');
            html.append("<h2>").append(esc(e.getKey())).append("</h2><table><tr><th>run</th><th>model</th><th>data revision</th><th>judge</th><th>frame sampler</th>");
            for (String c : cols) html.append("<th>").append(esc(c)).append("</th>");
            html.append("</tr>");
            for (Run r : e.getValue()) {
                md.append("| ").append(r.label()).append(" | ").append(String.join(" | ", r.info().values())).append(" |");
                html.append("<tr><td>").append(esc(r.label())).append("</td>");
                for (String v : r.info().values()) html.append("<td>").append(esc(v)).append("</td>");
                ObjectNode row = json.addObject().put("benchmark", r.benchmark()).put("run", r.label());
                r.info().forEach(row::put);
                ObjectNode mj = row.putObject("metrics");
                for (String c : cols) {
                    Double v = r.metrics().get(c);
                    String s = v == null ? "-" : String.format(java.util.Locale.ROOT, "%.4f", v);
                    md.append(' ').append(s).append(" |");
                    html.append("<td>").append(s).append("</td>");
                    if (v != null) mj.put(c, v);
                }
                md.append('\n');
                html.append("</tr>");
            }
            html.append("</table>");
            for (String c : cols) {
                double max = 0;
                for (Run r : e.getValue()) max = Math.max(max, Math.abs(r.metrics().getOrDefault(c, 0.0)));
                if (max == 0) max = 1;
                int h = 24 * e.getValue().size() + 10;
                html.append("<h3>").append(esc(c)).append("</h3><svg width=\"560\" height=\"").append(h).append("\" role=\"img\">");
                int i = 0;
                for (Run r : e.getValue()) {
                    double v = r.metrics().getOrDefault(c, 0.0);
                    int w = (int) Math.round(300 * Math.abs(v) / max);
                    int y = 5 + 24 * i;
                    html.append("<text x=\"0\" y=\"").append(y + 15).append("\" font-size=\"12\">").append(esc(r.label())).append("</text>")
                            .append("<rect x=\"160\" y=\"").append(y).append("\" width=\"").append(w).append("\" height=\"18\" fill=\"")
                            .append(palette[i % palette.length]).append("\"/>")
                            .append("<text x=\"").append(166 + w).append("\" y=\"").append(y + 14).append("\" font-size=\"12\">")
                            .append(String.format(java.util.Locale.ROOT, "%.4f", v)).append("</text>");
                    i++;
                }
                html.append("</svg>");
            }
        }
        html.append("</body></html>\n");
        Files.writeString(outDir.resolve("report.md"), md);
        Files.writeString(outDir.resolve("report.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        Files.writeString(outDir.resolve("report.html"), html);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
