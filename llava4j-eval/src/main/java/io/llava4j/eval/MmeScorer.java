package io.llava4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MME, the official eval_tool/calculation.py: results/&lt;task&gt;.txt with image/question/GT/prediction per line, two
 * lines per image; the prediction is lower-cased but NOT stripped; task score = acc*100 + acc_plus*100; category totals
 * summed in the tool's fixed task order.
 */
public final class MmeScorer implements Scorer {
    static final String[] PERCEPTION = {"existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR"};
    static final String[] COGNITION = {"commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning"};

    @Override public String name() { return "mme"; }

    static String parse(String pred) {
        if (pred.equals("yes") || pred.equals("no")) return pred;
        String prefix = PyStr.prefix(pred, 4); // pred[:4] counts code points
        if (prefix.contains("yes")) return "yes";
        if (prefix.contains("no")) return "no";
        return "other";
    }

    /** Python readlines(): lines keep their '\n'. */
    static List<String> readlines(Path f) throws Exception {
        String s;
        try {
            s = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new EvalException("MME results file missing: " + f);
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == '\n') { out.add(s.substring(start, i + 1)); start = i + 1; }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    static double taskScore(Path f, ObjectNode perTask, String task) throws Exception {
        List<String> lines = readlines(f);
        if (lines.size() % 2 != 0) throw new EvalException(f + ": " + lines.size() + " lines, expected two per image");
        int correct = 0, images = lines.size() / 2, plus = 0;
        for (int i = 0; i < lines.size(); i += 2) {
            int imgCorrect = 0;
            for (int j = i; j < i + 2; j++) {
                String[] parts = lines.get(j).split("\t", -1);
                if (parts.length != 4) throw new EvalException(f + ":" + (j + 1) + ": expected 4 tab-separated fields, got " + parts.length);
                String gt = parts[2].toLowerCase(java.util.Locale.ROOT);
                if (!gt.equals("yes") && !gt.equals("no")) throw new EvalException(f + ":" + (j + 1) + ": ground truth must be yes or no, got " + gt);
                String p = parse(parts[3].toLowerCase(java.util.Locale.ROOT));
                if (p.equals(gt)) { correct++; imgCorrect++; }
            }
            if (imgCorrect == 2) plus++;
        }
        double acc = (double) correct / lines.size(), accPlus = (double) plus / images;
        double score = 0;
        score += acc * 100;
        score += accPlus * 100;
        perTask.putObject(task).put("acc", acc).put("acc_plus", accPlus).put("score", score);
        return score;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        ObjectNode perTask = Jsonl.MAPPER.createObjectNode();
        double perception = 0, cognition = 0;
        for (String t : PERCEPTION) perception += taskScore(dir.resolve("results").resolve(t + ".txt"), perTask, t);
        for (String t : COGNITION) cognition += taskScore(dir.resolve("results").resolve(t + ".txt"), perTask, t);
        m.put("perception", perception);
        m.put("cognition", cognition);
        m.set("per_task", perTask);
        return m;
    }
}
