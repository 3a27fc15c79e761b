package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MVBench scored as PLLaVA's tasks/eval/mvbench save_results: check_ans on the "(X) ..." prediction against the
 * "(X) answer" ground truth, accuracy in percent per task type (in file order) and "Avg" over all items.
 * Reads the docs_and_predictions.jsonl that 'eval run --benchmark mvbench' writes.
 */
public final class MvBenchPllavaScorer implements Scorer {
    @Override public String name() { return "mvbench_pllava"; }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Path file = dir.resolve("docs_and_predictions.jsonl");
        Map<String, int[]> acc = new LinkedHashMap<>();
        int correct = 0, total = 0;
        for (JsonNode r : Jsonl.read(file)) {
            if (!r.has("task_type") || !r.has("gt")) throw new EvalException(file + ": rows need task_type and gt (written by 'eval run --benchmark mvbench')");
            int[] t = acc.computeIfAbsent(r.get("task_type").asText(), k -> new int[2]);
            t[1]++;
            total++;
            if (MvBenchPrompts.checkAns(r.get("pred").asText(), r.get("gt").asText())) { t[0]++; correct++; }
        }
        if (total == 0) throw new EvalException(file + ": no rows");
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        for (var e : acc.entrySet()) m.put(e.getKey(), (double) e.getValue()[0] / e.getValue()[1] * 100);
        m.put("Avg", (double) correct / total * 100);
        return m;
    }
}
