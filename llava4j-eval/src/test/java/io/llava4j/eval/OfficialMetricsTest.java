package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every scorer against the values the OFFICIAL scoring code produced on the fixture files (shared/fixtures/eval). */
class OfficialMetricsTest {
    static Path eval() {
        String p = System.getProperty("llava4j.shared");
        Path base = p != null ? Path.of(p) : Path.of("../../shared");
        Path e = base.resolve("fixtures/eval");
        if (!Files.isDirectory(e)) throw new IllegalStateException("eval fixtures not found at " + e);
        return e;
    }

    static JsonNode expected(String b) throws Exception { return Jsonl.json(eval().resolve(b).resolve("expected.json")); }

    static void exact(String what, double expected, double actual) {
        System.out.printf("[metric] %-45s expected %s got %s%n", what, expected, actual);
        assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)), what);
    }

    @Test
    void evalAiNormaliserEveryCase() throws Exception {
        int n = 0;
        for (JsonNode c : expected("evalai_processor").get("cases")) {
            assertEquals(c.get("output").asText(), EvalAiAnswerProcessor.process(c.get("input").asText()), "input " + c.get("input"));
            n++;
        }
        System.out.println("[metric] evalai normaliser: " + n + " cases identical");
    }

    @Test
    void pope() throws Exception {
        JsonNode e = expected("pope").get("categories");
        ObjectNode m = Scorers.get("pope").score(eval().resolve("pope"), Scorer.ScoreOptions.none());
        for (var c : e.properties()) {
            for (String k : new String[] {"accuracy", "precision", "recall", "f1", "yes_ratio"}) {
                exact("pope " + c.getKey() + " " + k, c.getValue().get(k).asDouble(), m.get(c.getKey()).get(k).asDouble());
            }
            for (String k : new String[] {"TP", "FP", "TN", "FN"}) assertEquals(c.getValue().get(k).asInt(), m.get(c.getKey()).get(k).asInt());
        }
    }

    @Test
    void textvqa() throws Exception {
        JsonNode e = expected("textvqa");
        ObjectNode m = Scorers.get("textvqa").score(eval().resolve("textvqa"), Scorer.ScoreOptions.none());
        exact("textvqa accuracy", e.get("accuracy").asDouble(), m.get("accuracy").asDouble());
        assertEquals(e.get("samples").asInt(), m.get("samples").asInt());
        for (JsonNode item : e.get("per_item")) {
            assertEquals(item.get("question_extracted").asText(), item.get("question_extracted").asText().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Test
    void scienceqa() throws Exception {
        JsonNode e = expected("scienceqa").get("output_result");
        ObjectNode m = Scorers.get("scienceqa").score(eval().resolve("scienceqa"), Scorer.ScoreOptions.none());
        exact("scienceqa acc", e.get("acc").asDouble(), m.get("acc").asDouble());
        assertEquals(e.get("correct").asInt(), m.get("correct").asInt());
        assertEquals(e.get("count").asInt(), m.get("count").asInt());
        assertEquals(e.get("results"), m.get("results"));
        String printed = expected("scienceqa").get("printed").asText();
        assertTrue(printed.contains(String.format("IMG-Accuracy: %.2f%%", m.get("img_acc").asDouble())), printed);
    }

    @Test
    void gqa() throws Exception {
        JsonNode e = expected("gqa");
        assertEquals(e.get("converted_predictions_json").asText(), GqaScorer.convertedJson(eval().resolve("gqa")));
        ObjectNode m = Scorers.get("gqa").score(eval().resolve("gqa"), Scorer.ScoreOptions.none());
        for (String k : new String[] {"accuracy", "binary", "open"}) exact("gqa " + k, e.get(k).asDouble(), m.get(k).asDouble());
    }

    @Test
    void mme() throws Exception {
        ObjectNode m = Scorers.get("mme").score(eval().resolve("mme"), Scorer.ScoreOptions.none());
        String totals = expected("mme").get("official_totals").toString();
        JsonNode t = Jsonl.MAPPER.readTree(expected("mme").get("official_totals").isTextual()
                ? expected("mme").get("official_totals").asText().replace('\'', '"') : totals);
        exact("mme perception", t.get("Perception").asDouble(), m.get("perception").asDouble());
        exact("mme cognition", t.get("Cognition").asDouble(), m.get("cognition").asDouble());
    }

    @Test
    void mvbench() throws Exception {
        JsonNode e = expected("mvbench").get("per_task_accuracy");
        ObjectNode m = Scorers.get("mvbench").score(eval().resolve("mvbench"), Scorer.ScoreOptions.none());
        assertEquals(e.size(), m.size());
        for (var t : e.properties()) exact("mvbench " + t.getKey(), t.getValue().asDouble(), m.get(t.getKey()).asDouble());
        for (JsonNode item : expected("mvbench").get("per_item")) {
            boolean same = MvBenchScorer.process(item.get("pred_answer").asText()).equals(MvBenchScorer.process(item.get("gt_answer").asText()));
            assertEquals(item.get("score").asInt() == 1, same, "item " + item);
        }
    }

    @Test
    void videoChatGptWithJudgeReplay() throws Exception {
        JsonNode e = expected("videochatgpt_qa");
        Path dir = eval().resolve("videochatgpt_qa");
        ObjectNode m = Scorers.get("videochatgpt_qa").score(dir, new Scorer.ScoreOptions(dir.resolve("judge_responses.json")));
        exact("videochatgpt accuracy", e.get("accuracy").asDouble(), m.get("accuracy").asDouble());
        exact("videochatgpt average_score", e.get("average_score").asDouble(), m.get("average_score").asDouble());
        assertEquals(e.get("yes_count").asInt(), m.get("yes_count").asInt());
        assertEquals(e.get("no_count").asInt(), m.get("no_count").asInt());
        assertEquals(e.get("judge_calls").asInt(), m.get("judge_calls").asInt(), "malformed replies are asked again");
    }

    @Test
    void mmbenchCircular() throws Exception {
        JsonNode e = expected("mmbench");
        ObjectNode m = Scorers.get("mmbench").score(eval().resolve("mmbench"), Scorer.ScoreOptions.none());
        JsonNode report = e.get("report_acc").isTextual() ? Jsonl.MAPPER.readTree(e.get("report_acc").asText().replace('\'', '"')) : e.get("report_acc");
        exact("mmbench overall", report.get("Overall").get(0).asDouble(), m.get("overall").asDouble());
        int n = 0;
        for (JsonNode item : e.get("per_item_extraction")) {
            java.util.Map<String, String> choices = new java.util.LinkedHashMap<>();
            // the choices of the row, from the questions file
            for (var row : Tsv.read(eval().resolve("mmbench/mmbench_dev_synthetic.tsv"))) {
                if (row.get("index").equals(item.get("index").asText())) {
                    for (String c : new String[] {"A", "B", "C", "D"}) if (!row.get(c).isEmpty()) choices.put(c, row.get(c));
                }
            }
            String pred = item.get("prediction").asText();
            assertEquals(str(item.get("can_infer_option")), MmBenchScorer.inferOption(pred, choices), "can_infer_option " + item);
            assertEquals(str(item.get("can_infer_text")), MmBenchScorer.inferText(pred, choices), "can_infer_text " + item);
            assertEquals(str(item.get("can_infer")), MmBenchScorer.infer(pred, choices), "can_infer " + item);
            n++;
        }
        System.out.println("[metric] mmbench extraction: " + n + " rows identical");
    }

    @Test
    void submissionConvertersByteForByte() throws Exception {
        Converters.Output viz = Converters.vizwiz(eval().resolve("vizwiz"));
        assertEquals(expected("vizwiz").get("printed").asText(), viz.printed());
        assertEquals(expected("vizwiz").get("upload_json").asText(), viz.file());
        Converters.Output vqa = Converters.vqav2(eval().resolve("vqav2/vqav2_dir"), "llava_vqav2_mscoco_test-dev2015", "llava-v1.5-7b");
        assertEquals(expected("vqav2").get("printed").asText(), vqa.printed());
        assertEquals(expected("vqav2").get("upload_json").asText(), vqa.file());
        Converters.Output seed = Converters.seed(eval().resolve("seed_bench"));
        assertEquals(expected("seed_bench").get("printed").asText(), seed.printed());
        assertEquals(expected("seed_bench").get("upload_jsonl").asText(), seed.file());
        System.out.println("[metric] VizWiz, VQAv2 and SEED submission files identical byte for byte");
    }

    @Test
    void llavaBenchReviews() throws Exception {
        JsonNode e = expected("llavabench_review");
        JsonNode cases = e.get("parse_score_cases").isTextual()
                ? Jsonl.MAPPER.readTree(e.get("parse_score_cases").asText().replace('\'', '"')) : e.get("parse_score_cases");
        for (JsonNode c : cases) {
            double[] t = LlavaBenchReview.parseScore(c.get("review_first_line").asText());
            assertEquals(c.get("tuple").get(0).asDouble(), t[0], "parse_score '" + c.get("review_first_line").asText() + "'");
            assertEquals(c.get("tuple").get(1).asDouble(), t[1]);
        }
        Path file = eval().resolve("llavabench_review/reviews/llava-v1.5-7b.jsonl");
        assertEquals(e.get("printed").asText(), LlavaBenchReview.summarize(file, null));
    }

    static String str(JsonNode n) { return n.isBoolean() ? null : n.asText(); }

    @Test
    void errorsAreOneClearLine(@TempDir Path tmp) throws Exception {
        EvalException unknown = assertThrows(EvalException.class, () -> Scorers.get("nope"));
        assertTrue(unknown.getMessage().contains("pope"), unknown.getMessage());
        Files.createDirectories(tmp.resolve("answers"));
        Files.writeString(tmp.resolve("answers/a.jsonl"), "{\"question_id\": 1, \"text\": \"yes\"}\n{not json\n");
        Files.writeString(tmp.resolve("llava_pope_test.jsonl"), "{\"question_id\": 1, \"category\": \"random\"}\n");
        EvalException bad = assertThrows(EvalException.class, () -> Scorers.get("pope").score(tmp, Scorer.ScoreOptions.none()));
        assertTrue(bad.getMessage().contains("a.jsonl:2"), bad.getMessage());
        EvalException missing = assertThrows(EvalException.class, () -> Scorers.get("textvqa").score(tmp, Scorer.ScoreOptions.none()));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }
}
