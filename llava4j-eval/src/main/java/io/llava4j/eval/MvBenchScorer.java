package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** MVBench, lmms-eval mvbench/utils.py: option-letter matching; per-task accuracy over non-empty predictions. */
public final class MvBenchScorer implements Scorer {
    // Python re on str: \s is str.isspace(), \d any Unicode digit, \b between str.isalnum()/'_' and the rest
    static final Pattern OPTION = Pattern.compile("^([A-E])\\." + PyStr.SPACE_CLASS + "*(.+)$", Pattern.CASE_INSENSITIVE);
    static final Pattern COMMA = Pattern.compile("(\\d)(,)(\\d)", Pattern.UNICODE_CHARACTER_CLASS);

    @Override public String name() { return "mvbench"; }

    static String process(String answer) {
        Matcher m = OPTION.matcher(PyStr.strip(answer));
        if (m.matches()) return m.group(1).toUpperCase(java.util.Locale.ROOT);
        String a = PyStr.strip(answer.replace("\n", " ").replace("\t", " "));
        String out = a;
        boolean comma = COMMA.matcher(a).find();
        for (String p : EvalAiAnswerProcessor.PUNCTUATION) {
            if (a.contains(p + " ") || a.contains(" " + p) || comma) out = out.replace(p, "");
            else out = out.replace(p, " ");
        }
        a = EvalAiAnswerProcessor.stripPeriods(out);
        a = PyStr.stripChars(a, "'");
        a = PyStr.stripChars(a, "\"");
        a = PyStr.stripChars(a, ")");
        a = PyStr.stripChars(a, "(");
        a = PyStr.strip(a).toLowerCase(java.util.Locale.ROOT);
        String letter = firstStandaloneLetter(a);
        return letter != null ? letter : a;
    }

    /** re.search(r"\\b([A-E])\\b", s, re.IGNORECASE), upper-cased, with Python's Unicode word characters. */
    static String firstStandaloneLetter(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            boolean letter = (c >= 'A' && c <= 'E') || (c >= 'a' && c <= 'e');
            if (!letter) continue;
            boolean before = i == 0 || !PyStr.isWordChar(cps[i - 1]);
            boolean after = i == cps.length - 1 || !PyStr.isWordChar(cps[i + 1]);
            if (before && after) return String.valueOf((char) Character.toUpperCase(c));
        }
        return null;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Map<String, int[]> tasks = new LinkedHashMap<>(); // task -> {sum of scores, non-empty predictions}
        for (JsonNode row : Jsonl.read(dir.resolve("docs_and_predictions.jsonl"))) {
            JsonNode doc = row.get("doc");
            String answer = doc.get("answer").asText();
            int idx = -1, i = 0;
            for (JsonNode cnd : doc.get("candidates")) { if (idx < 0 && cnd.asText().equals(answer)) idx = i; i++; }
            if (idx < 0) throw new EvalException("answer '" + answer + "' is not among the candidates of " + doc.path("video").asText());
            String gt = String.valueOf((char) ('A' + idx));
            String pred = row.get("pred").asText();
            int[] t = tasks.computeIfAbsent(row.get("task").asText(), k -> new int[2]);
            if (process(gt).equals(process(pred))) t[0]++;
            if (!pred.isEmpty()) t[1]++;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        tasks.forEach((k, v) -> m.put(k, v[1] == 0 ? 0.0 : 100.0 * v[0] / v[1]));
        return m;
    }
}
