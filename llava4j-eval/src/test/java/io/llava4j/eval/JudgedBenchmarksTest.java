package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LLaVA-Bench review (eval_gpt_review_bench.py + summarize_gpt_review.py) and MM-Vet grading (mm-vet_evaluator.py)
 * against a stub judge on loopback: the exact requests, a 503 retried with backoff, malformed replies counted (and,
 * for MM-Vet, re-asked with the official temperatures), resumed runs, and a cache that makes re-scoring free.
 */
class JudgedBenchmarksTest {
    @TempDir Path tmp;

    Path llavaBench() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("llava-bench"));
        Files.writeString(d.resolve("questions.jsonl"), """
                {"question_id": 0, "image": "001.jpg", "text": "What is in the image?", "category": "conv"}
                {"question_id": 1, "image": "001.jpg", "text": "Describe it.", "category": "detail"}
                {"question_id": 2, "image": "002.jpg", "text": "Why?", "category": "complex"}
                """);
        Files.writeString(d.resolve("context.jsonl"), """
                {"id": "001", "image": "001.jpg", "caption": "A cat."}
                {"id": "002", "image": "002.jpg", "caption": ["A dog.", "On grass."]}
                """);
        Files.writeString(d.resolve("answers_gpt4.jsonl"), """
                {"question_id": 0, "text": "A cat.", "answer_id": "ref0"}
                {"question_id": 1, "text": "A small cat."}
                {"question_id": 2, "text": "Because.", "answer_id": "ref2"}
                """);
        Files.createDirectories(d.resolve("answers"));
        Files.writeString(d.resolve("answers/m.jsonl"), """
                {"question_id": 0, "prompt": "What is in the image?", "text": "cat", "answer_id": "a0", "model_id": "m", "metadata": {}}
                {"question_id": 1, "prompt": "Describe it.", "text": "a cat", "answer_id": "a1", "model_id": "m", "metadata": {}}
                {"question_id": 2, "prompt": "Why?", "text": "no idea", "answer_id": "a2", "model_id": "m", "metadata": {}}
                """);
        return d;
    }

    static String llavaBenchReply(JsonNode body) {
        String c = StubJudge.lastContent(body);
        if (c.contains("[Question]\nWhat is in the image?")) return "8 7\nAssistant 1 is more complete.";
        if (c.contains("[Question]\nDescribe it.")) return "Score: 6 9\nmalformed first line";
        return "7,9\nok";
    }

    @Test
    void llavaBenchReviewAsTheOfficialScripts() throws Exception {
        Path d = llavaBench();
        try (StubJudge stub = new StubJudge(1, JudgedBenchmarksTest::llavaBenchReply)) {
            JudgeClient judge = new JudgeClient(stub.url(), "gpt-4-0314", "k", d.resolve("judge_cache.jsonl"), 3, 5);
            JsonNode m = Scorers.get("llavabench").score(d, new Scorer.ScoreOptions(null, judge));
            assertEquals(4, stub.requests.size(), "3 reviews + one 503 retried");
            JsonNode first = stub.requests.get(1);
            assertEquals("gpt-4-0314", first.get("model").asText());
            assertEquals(0.2, first.get("temperature").asDouble());
            assertEquals(1024, first.get("max_tokens").asInt());
            assertEquals("You are a helpful and precise assistant for checking the quality of the answer.", first.get("messages").get(0).get("content").asText());
            // the caption string is joined character by character ('\n'.join(str)), the list item by item
            assertEquals("[Context]\nA\n \nc\na\nt\n.\n\n[Question]\nWhat is in the image?\n\n[Assistant 1]\nA cat.\n\n[End of Assistant 1]\n\n"
                    + "[Assistant 2]\ncat\n\n[End of Assistant 2]\n\n[System]\n" + LlavaBenchJudge.RULE_PROMPT + "\n\n", StubJudge.lastContent(first));
            assertTrue(StubJudge.lastContent(stub.requests.get(3)).startsWith("[Context]\nA dog.\nOn grass.\n\n"));

            List<JsonNode> reviews = Jsonl.read(d.resolve("reviews/m.jsonl"));
            assertEquals("{\"id\":1,\"question_id\":0,\"answer1_id\":\"ref0\",\"answer2_id\":\"a0\",\"category\":\"llava_bench_conv\","
                    + "\"content\":\"8 7\\nAssistant 1 is more complete.\",\"tuple\":[8.0,7.0]}", reviews.get(0).toString());
            assertEquals(1, reviews.get(1).get("answer1_id").asInt(), "answer_id missing: the question_id stands in");
            assertEquals("[-1,-1]", reviews.get(1).get("tuple").toString());
            assertEquals(1, m.get("malformed_reviews").asInt());
            // all: mean([8, -1, 7]) = 4.667, mean([7, -1, 9]) = 5.0 -> 107.1 46.7 50.0 (summarize_gpt_review.py)
            assertEquals(107.1, m.get("relative_score").asDouble());
            assertEquals(46.7, m.get("summary").get("all").get("ref_x10").asDouble());
            assertEquals(50.0, m.get("summary").get("all").get("model_x10").asDouble());
            assertEquals(128.6, m.get("summary").get("llava_bench_complex").get("relative_pct").asDouble());

            // a run killed after the first review continues with the others; the cache answers them
            List<String> lines = Files.readAllLines(d.resolve("reviews/m.jsonl"));
            Files.writeString(d.resolve("reviews/m.jsonl"), lines.getFirst() + "\n");
            int before = stub.requests.size();
            JudgeClient again = new JudgeClient(stub.url(), "gpt-4-0314", "k", d.resolve("judge_cache.jsonl"), 3, 5);
            JsonNode m2 = Scorers.get("llavabench").score(d, new Scorer.ScoreOptions(null, again));
            assertEquals(before, stub.requests.size(), "re-scoring is served from the cache");
            assertEquals(2, m2.get("judge_requests").asInt());
            assertEquals(m.get("summary").toString(), m2.get("summary").toString());
            assertEquals(String.join("\n", lines) + "\n", Files.readString(d.resolve("reviews/m.jsonl")));
            // complete reviews need no judge
            assertEquals(m.get("summary").toString(), Scorers.get("llavabench").score(d, Scorer.ScoreOptions.none()).get("summary").toString());
        }
    }

    @Test
    void llavaBenchWithoutJudgeOrWithAFailingJudgeSaysSo() throws Exception {
        Path d = llavaBench();
        EvalException e = assertThrows(EvalException.class, () -> Scorers.get("llavabench").score(d, Scorer.ScoreOptions.none()));
        assertTrue(e.getMessage().contains("--judge-url"), e.getMessage());
        try (StubJudge stub = new StubJudge(100, b -> "")) {
            JudgeClient judge = new JudgeClient(stub.url(), "j", null, null, 2, 1);
            EvalException f = assertThrows(EvalException.class, () -> Scorers.get("llavabench").score(d, new Scorer.ScoreOptions(null, judge)));
            assertTrue(f.getMessage().contains("failed after 3 tries") && f.getMessage().contains("503"), f.getMessage());
            assertEquals(3, stub.requests.size());
        }
    }

    Path mmVet() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("mm-vet"));
        Files.writeString(d.resolve("mm-vet.json"), """
                {"v1_0": {"imagename": "v1_0.png", "capability": ["ocr", "rec"], "question": "What is x?", "answer": "-1<AND>-5"},
                 "v1_1": {"imagename": "v1_1.png", "capability": ["ocr"], "question": "Read it.", "answer": "STOP"},
                 "v1_2": {"imagename": "v1_2.png", "capability": ["rec"], "question": "Who?", "answer": "a cat<OR>cat"}}""");
        Files.createDirectories(d.resolve("answers"));
        Files.writeString(d.resolve("answers/m.jsonl"), """
                {"question_id": 0, "prompt": "What is x?", "text": "x = -1", "answer_id": "a", "model_id": "m", "metadata": {}}
                {"question_id": 1, "prompt": "Read it.", "text": "STOP", "answer_id": "b", "model_id": "m", "metadata": {}}
                {"question_id": 2, "prompt": "Who?", "text": "dog", "answer_id": "c", "model_id": "m", "metadata": {}}
                """);
        return d;
    }

    @Test
    void mmVetGraderAsTheOfficialEvaluator() throws Exception {
        Path d = mmVet();
        try (StubJudge stub = new StubJudge(0, body -> {
            String c = StubJudge.lastContent(body);
            if (c.contains("\nWhat is x? | ")) return "0.8";
            if (c.contains("\nRead it. | ")) return c.endsWith("(digit): ") ? "1.0 yes" : "The answer";
            return "x";
        })) {
            JudgeClient judge = new JudgeClient(stub.url(), "gpt-4-0613", null, d.resolve("judge_cache.jsonl"), 2, 1);
            JsonNode m = Scorers.get("mmvet").score(d, new Scorer.ScoreOptions(null, judge));
            assertEquals(1 + 2 + 6, stub.requests.size());
            JsonNode r0 = stub.requests.get(0);
            assertEquals(3, r0.get("max_tokens").asInt());
            assertEquals(1, r0.get("messages").size());
            assertEquals(MmVetGrader.PROMPT + "\nWhat is x? | -1 <AND> -5 | x = -1 | ", StubJudge.lastContent(r0));
            assertTrue(MmVetGrader.PROMPT.startsWith("Compare the ground truth and prediction from AI models, to give a correctness score"));
            assertTrue(MmVetGrader.PROMPT.endsWith("actual physical characteristics. | 1.0\n"));
            // the unparsable item: asked 5 more times with the digit suffix at temperature 0, 0.5, 1, 1.5, 2; then 0.0
            List<Double> temps = stub.requests.subList(3, 9).stream().map(b -> b.get("temperature").asDouble()).toList();
            assertEquals(List.of(0.0, 0.0, 0.5, 1.0, 1.5, 2.0), temps);
            assertTrue(StubJudge.lastContent(stub.requests.get(4)).endsWith("| dog | \nPredict the correctness of the answer (digit): "));
            assertEquals(60.0, m.get("total").asDouble());
            assertEquals(90.0, m.get("capabilities").get("ocr").asDouble());
            assertEquals(40.0, m.get("capabilities").get("rec").asDouble());
            assertEquals(80.0, m.get("capability_integration").get("ocr_rec").asDouble());
            assertEquals(1 + 5, m.get("malformed_replies").asInt());
            assertEquals(1, m.get("zero_after_retries").asInt());
            JsonNode grades = Jsonl.json(d.resolve("results/m_gpt-4-0613-grade-1runs.json"));
            assertEquals(1.0, grades.get("v1_1").get("score").get(0).asDouble());
            assertEquals("x", grades.get("v1_2").get("content").get(0).asText());

            // graded items are not asked again
            int before = stub.requests.size();
            JsonNode m2 = Scorers.get("mmvet").score(d, new Scorer.ScoreOptions(null, judge));
            assertEquals(before, stub.requests.size());
            assertEquals(m.get("capabilities").toString(), m2.get("capabilities").toString());
        }
    }

    @Test
    void mmVetScoreParsing() {
        assertEquals(0.5, MmVetGrader.parse("0.5"));
        assertEquals(1.0, MmVetGrader.parse("1. correct"));
        assertEquals(0.5, MmVetGrader.parse(".5"));
        assertEquals(null, MmVetGrader.parse("1.5"));
        assertEquals(null, MmVetGrader.parse("0.5,"));
        assertEquals(null, MmVetGrader.parse("Correctness: 0.5"));
        assertEquals(null, MmVetGrader.parse(""));
        assertTrue(MmVetGrader.parse("nan").isNaN(), "float('nan') passes the official range check");
        assertEquals(null, MmVetGrader.parse("1_0"), "float('1_0') = 10.0 is out of range");
        assertEquals(0.0, MmVetGrader.parse("0_0"));
    }

    @Test
    void videoQaScoresThePredictionFileOfAnyVideoQaRun() throws Exception {
        Path fixture = OfficialMetricsTest.eval().resolve("videochatgpt_qa");
        Path d = Files.createDirectories(tmp.resolve("msvd"));
        Files.copy(fixture.resolve("pred_activitynet_qa.json"), d.resolve("pred_msvd_qa.json"));
        JsonNode m = Scorers.get("videochatgpt_qa").score(d, new Scorer.ScoreOptions(fixture.resolve("judge_responses.json")));
        JsonNode e = OfficialMetricsTest.expected("videochatgpt_qa");
        assertEquals(e.get("accuracy").asDouble(), m.get("accuracy").asDouble());
        assertEquals(e.get("average_score").asDouble(), m.get("average_score").asDouble());
        Files.copy(fixture.resolve("pred_activitynet_qa.json"), d.resolve("pred_tgif_qa.json"));
        EvalException two = assertThrows(EvalException.class, () -> Scorers.get("videochatgpt_qa").score(d, new Scorer.ScoreOptions(fixture.resolve("judge_responses.json"))));
        assertTrue(two.getMessage().contains("several prediction files"), two.getMessage());
    }

    @Test
    void vcgBenchJudgedAsPllavaDoes() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("vcg"));
        Files.writeString(d.resolve("inference_results.json"), """
                [{"pred": "A dog runs {pred}.", "gt": "A dog runs.", "video_path": "v1.mp4", "question": "What happens?", "task_type": "generic_qa"},
                 {"pred": "", "gt": "First A then B.", "video_path": "v2.mp4", "question": "What happens first?", "task_type": "temporal_qa"},
                 {"pred": "A girl.", "pred1": "A boy.", "gt": "A girl.", "video": "v3.mp4", "task_type": "consistency_qa", "question": "Which person sings?", "question1": "Who sings?"}]""");
        try (StubJudge stub = new StubJudge(0, body -> {
            String system = body.get("messages").get(0).get("content").asText();
            if (system.contains("contextual understanding")) return "{'score': 4}";
            if (system.contains("detail orientation")) return " {'score': 4.8} ";
            if (system.contains("factual accuracy")) return "score: 2";
            return "{'score': '5'}";
        })) {
            JudgeClient judge = new JudgeClient(stub.url(), "gpt-3.5-turbo-0125", null, d.resolve("judge_cache.jsonl"), 1, 1);
            JsonNode m = Scorers.get("vcgbench").score(d, new Scorer.ScoreOptions(null, judge));
            assertEquals(4, stub.requests.size(), "the empty prediction is not sent");
            assertTrue(!stub.requests.getFirst().has("temperature"), "the script sets no temperature");
            String first = StubJudge.lastContent(stub.requests.getFirst());
            assertTrue(first.startsWith("Please evaluate the following video-based question-answer pair:\n\nQuestion: What happens?\nCorrect Answer: A dog runs.\n"
                    + "Predicted Answer: A dog runs {pred}.\n\nProvide your evaluation only as a contextual understanding score"), first);
            assertTrue(StubJudge.lastContent(stub.requests.getFirst()).endsWith("your response should look like this: {'score': 4.8}."));
            assertTrue(StubJudge.lastContent(stub.requests.get(3)).contains("Question 1: Which person sings?\nQuestion 2: Who sings?\nCorrect Answer: A girl.\n"
                    + "Predicted Answer to Question 1: A girl.\nPredicted Answer to Question 2: A boy.\n\n"));
            assertEquals(100.0, m.get("context").get("acc").asDouble());
            assertEquals(4.8, m.get("detailed_orientation").get("score").asDouble());
            assertEquals(0.0, m.get("correctness").get("score").asDouble());
            assertEquals(0.0, m.get("temporal").get("score").asDouble());
            assertEquals(0.0, m.get("consistency").get("score").asDouble(), "a string score does not compare with 3: 0");
            assertEquals(40.0, m.get("Avg_Acc").asDouble());
            assertEquals((4 + 4.8) / 5, m.get("Avg_Score").asDouble(), 1e-12);
            assertEquals(2, m.get("malformed_replies").asInt());
            JsonNode again = Scorers.get("vcgbench").score(d, new Scorer.ScoreOptions(null, judge));
            assertEquals(4, stub.requests.size(), "kept judgements are not asked again");
            assertEquals(m.get("Avg_Score"), again.get("Avg_Score"));
            assertEquals(0, again.get("judge_requests").asInt());
        }
    }
}
