package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1500 random strings built from pieces that reach the parsers' branches (option letters, punctuation, runs of
 * periods, yes/no words, number words, contractions, Unicode spaces, letters and astral digits), with the outputs the
 * OFFICIAL Python functions gave for them under CPython 3.12 (resources/differential/cases.json, recorded on the
 * project's earlier eval branch from the snapshots named in shared/fixtures/eval/README.md): LLaVA m4c_evaluator's
 * EvalAIAnswerProcessor, lmms-eval mvbench process(), the MME tool's parser, eval_pope.py's and eval_science_qa.py's
 * parsers, VLMEvalKit can_infer_option / can_infer_text. The Java ports must give the same output for every one.
 */
class DifferentialTest {
    @Test
    void parsersMatchTheOfficialPythonFunctions() throws Exception {
        JsonNode root;
        try (InputStream in = DifferentialTest.class.getResourceAsStream("/differential/cases.json")) {
            root = Jsonl.MAPPER.readTree(in);
        }
        List<String> fields = new ArrayList<>();
        root.get("fields").forEach(f -> fields.add(f.asText()));
        List<Map<String, String>> choiceSets = new ArrayList<>();
        for (JsonNode cs : root.get("choice_sets")) {
            Map<String, String> m = new LinkedHashMap<>();
            cs.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
            choiceSets.add(m);
        }
        Map<String, Function<String, String>> ports = new LinkedHashMap<>();
        ports.put("evalai", EvalAiAnswerProcessor::process);
        ports.put("mvbench_process", MvBenchScorer::process);
        ports.put("mme_official", s -> MmeScorer.parse(s.toLowerCase(java.util.Locale.ROOT)));
        ports.put("pope", s -> PopeScorer.saysNo(s) ? "no" : "yes");
        ports.put("scienceqa_letter", ScienceQaScorer::letter);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (JsonNode c : root.get("cases")) {
            String s = c.get(0).asText();
            for (var p : ports.entrySet()) {
                String expected = c.get(fields.indexOf(p.getKey())).asText();
                String actual = p.getValue().apply(s);
                compared++;
                if (!expected.equals(actual)) mismatches.add(p.getKey() + "(" + PyJson.dumps(s) + "): python " + PyJson.dumps(expected) + ", java " + PyJson.dumps(actual));
            }
            Map<String, String> choices = choiceSets.get(c.get(fields.indexOf("choice_set")).asInt());
            String[][] mc = {{"can_infer_option", MmBenchScorer.inferOption(s, choices)}, {"can_infer_text", MmBenchScorer.inferText(s, choices)}};
            for (String[] x : mc) {
                JsonNode e = c.get(fields.indexOf(x[0]));
                String expected = e.isBoolean() ? null : e.asText();
                compared++;
                if (!java.util.Objects.equals(expected, x[1])) mismatches.add(x[0] + "(" + PyJson.dumps(s) + "): python " + e + ", java " + x[1]);
            }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(40, mismatches.size())), mismatches.size() + " mismatches");
        assertTrue(compared >= 1500 * 7, "compared " + compared);
        System.out.println("[differential] " + root.get("cases").size() + " random strings, " + compared + " outputs equal to the official Python functions");
    }
}
