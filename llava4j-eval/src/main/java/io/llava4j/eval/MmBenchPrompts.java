package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MMBench generate step (LLaVA scripts/v1_5/eval/mmbench.sh -> model_vqa_mmbench.py --single-pred-prompt,
 * temperature 0, max_new_tokens 1024): the TSV with base64 images; options A-D up to the first empty one; the hint,
 * when present, on the line before the question; each option on its own line as "X. text"; with --all-rounds the
 * question is asked once per option with the option texts rotated left (letters stay A, B, ...).
 */
public final class MmBenchPrompts implements BenchmarkPrompts {
    static final String[] ALL_OPTIONS = {"A", "B", "C", "D"};
    static final String SINGLE_PRED_EN = "Answer with the option's letter from the given choices directly.";
    static final String SINGLE_PRED_CN = "请直接回答选项字母。";
    /** Cells pandas.read_table turns into NaN by default (is_none() then holds). */
    static final Set<String> PANDAS_NA = Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
            "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");

    @Override public String name() { return "mmbench"; }
    @Override public int maxNewTokens() { return 1024; }

    /** is_none() of the script on a cell as pandas reads it. */
    static boolean isNone(String cell) {
        return cell == null || PANDAS_NA.contains(cell) || cell.equalsIgnoreCase("nan") || cell.equalsIgnoreCase("none");
    }

    /** The TSV file: --questions, else the only *.tsv in the folder. */
    static Path tsv(Path dir, GenerateOptions o) throws Exception {
        if (o.questions() != null) return o.questions();
        try (var s = Files.list(dir)) {
            List<Path> tsvs = s.filter(p -> p.toString().endsWith(".tsv")).sorted().toList();
            if (tsvs.size() != 1) throw new EvalException("mmbench: expected one .tsv in " + dir + " (found " + tsvs.size() + "); pass --questions FILE");
            return tsvs.getFirst();
        }
    }

    @Override
    public List<BenchPrompt> prompts(Path dir, GenerateOptions o) throws Exception {
        boolean cn = "cn".equals(o.lang());
        List<BenchPrompt> out = new ArrayList<>();
        for (Map<String, String> row : Tsv.read(tsv(dir, o))) {
            List<String> options = new ArrayList<>();
            for (String c : ALL_OPTIONS) {
                if (isNone(row.get(c))) break;
                options.add(row.get(c));
            }
            List<String> chars = new ArrayList<>(List.of(ALL_OPTIONS).subList(0, options.size()));
            int rounds = o.allRounds() ? options.size() : 1;
            String index = row.get("index");
            JsonNode qid = index.matches("-?\\d+") ? Jsonl.MAPPER.getNodeFactory().numberNode(Long.parseLong(index))
                    : Jsonl.MAPPER.getNodeFactory().textNode(index);
            byte[] image;
            try {
                image = Base64.getMimeDecoder().decode(row.getOrDefault("image", ""));
            } catch (IllegalArgumentException e) {
                throw new EvalException("mmbench row " + index + ": the image cell is not base64");
            }
            for (int round = 0; round < rounds; round++) {
                String question = row.get("question");
                if (!isNone(row.get("hint"))) question = row.get("hint") + "\n" + question;
                for (int i = 0; i < options.size(); i++) question = question + "\n" + ALL_OPTIONS[i] + ". " + options.get(i);
                String qs = question + "\n" + (cn ? SINGLE_PRED_CN : SINGLE_PRED_EN);
                ObjectNode fields = Jsonl.MAPPER.createObjectNode().put("round_id", round);
                ArrayNode opts = fields.putArray("options");
                options.forEach(opts::add);
                ArrayNode oc = fields.putArray("option_char");
                chars.forEach(oc::add);
                out.add(new BenchPrompt(index + "#" + round, qid, qs, question, null, null, null, new BenchPrompt.ImageBytes(image), null, fields));
                options.add(options.removeFirst());
                chars.add(chars.removeFirst());
            }
        }
        return out;
    }

    @Override
    public ObjectNode answerRow(BenchPrompt p, String text, String modelId, String answerId) {
        ObjectNode afterId = Jsonl.MAPPER.createObjectNode();
        afterId.set("round_id", p.fields().get("round_id"));
        ObjectNode afterText = Jsonl.MAPPER.createObjectNode();
        afterText.set("options", p.fields().get("options"));
        afterText.set("option_char", p.fields().get("option_char"));
        return AnswerRows.llava(p.questionId(), afterId, p.recordedPrompt(), PyStr.strip(text), afterText, answerId, modelId);
    }

    @Override
    public String keyOf(JsonNode row) { return row.get("question_id").asText() + "#" + row.path("round_id").asInt(); }
}
