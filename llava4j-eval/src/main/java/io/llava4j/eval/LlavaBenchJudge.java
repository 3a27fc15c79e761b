package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LLaVA-Bench (in-the-wild) judged as LLaVA's llava/eval/eval_gpt_review_bench.py and summarized as
 * summarize_gpt_review.py: for each line of questions.jsonl, answers_gpt4.jsonl (reference, "Assistant 1") and the
 * model's answers (zip, by position), the judge gets the image's context captions, the question, both answers and the
 * category's rule from rule.json (the built-in llava_bench_* rules when the folder has none); temperature 0.2,
 * max_tokens 1024. The first line of the review gives the score pair (parse_score; [-1, -1] when it does not parse:
 * such reviews are counted as malformed and, as officially, still enter the means). Reviews are appended to
 * reviews/&lt;model&gt;.jsonl and a rerun continues after the ones already there. Relative score = model / reference x 100.
 */
public final class LlavaBenchJudge implements Scorer {
    static final String SYSTEM = "You are a helpful and precise assistant for checking the quality of the answer.";
    /** rule.json's llava_bench_conv, _detail and _complex prompt (the three are the same text), role "Assistant". */
    static final String RULE_PROMPT = "We would like to request your feedback on the performance of two AI assistants in response to the user question displayed above. "
            + "The user asks the question on observing an image. For your reference, the visual content in the image is represented with a few sentences describing the image. \n"
            + "Please rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.\n"
            + "Please first output a single line containing only two values indicating the scores for Assistant 1 and 2, respectively. The two scores are separated by a space.\n"
            + "In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.";

    @Override public String name() { return "llavabench"; }
    @Override public String defaultJudgeModel() { return "gpt-4-0314"; }

    /** The rules: rule.json in the folder, else the built-in llava_bench_* ones. */
    static Map<String, String[]> rules(Path dir) throws Exception {
        Map<String, String[]> r = new HashMap<>();
        Path f = dir.resolve("rule.json");
        if (Files.isRegularFile(f)) {
            Jsonl.json(f).properties().forEach(e -> r.put(e.getKey(), new String[] {e.getValue().get("role").asText(), e.getValue().get("prompt").asText()}));
        } else {
            for (String c : new String[] {"conv", "detail", "complex"}) r.put("llava_bench_" + c, new String[] {"Assistant", RULE_PROMPT});
        }
        return r;
    }

    /** '\n'.join(inst['caption']): a list joins its items; a string (as in context.jsonl) joins its characters. */
    static String captions(JsonNode caption) {
        StringBuilder sb = new StringBuilder();
        if (caption.isArray()) {
            for (JsonNode c : caption) sb.append(sb.isEmpty() ? "" : "\n").append(c.asText());
            return sb.toString();
        }
        String s = caption.asText();
        s.codePoints().forEach(cp -> sb.append(sb.isEmpty() ? "" : "\n").appendCodePoint(cp));
        return sb.toString();
    }

    /** The user message of one review. */
    static String content(String captions, String question, String role, String answer1, String answer2, String prompt) {
        return "[Context]\n" + captions + "\n\n"
                + "[Question]\n" + question + "\n\n"
                + "[" + role + " 1]\n" + answer1 + "\n\n[End of " + role + " 1]\n\n"
                + "[" + role + " 2]\n" + answer2 + "\n\n[End of " + role + " 2]\n\n"
                + "[System]\n" + prompt + "\n\n";
    }

    /** Writes (or completes) the review file of one answer file; returns the number of judge requests made. */
    static int review(Path dir, Path answers, Path reviewFile, JudgeClient judge) throws Exception {
        List<JsonNode> questions = Jsonl.read(dir.resolve("questions.jsonl"));
        List<JsonNode> reference = Jsonl.read(dir.resolve("answers_gpt4.jsonl"));
        List<JsonNode> model = Jsonl.read(answers);
        Map<String, JsonNode> context = new HashMap<>();
        for (JsonNode c : Jsonl.read(dir.resolve("context.jsonl"))) context.put(c.get("image").asText(), c);
        Map<String, String[]> rules = rules(dir);
        int existing = 0;
        if (Files.exists(reviewFile)) existing = Jsonl.read(reviewFile).size();
        int asked = 0;
        int n = Math.min(questions.size(), Math.min(reference.size(), model.size()));
        for (int idx = existing; idx < n; idx++) {
            JsonNode ques = questions.get(idx), ans1 = reference.get(idx), ans2 = model.get(idx);
            JsonNode inst = context.get(ques.get("image").asText());
            if (inst == null) throw new EvalException(dir.resolve("context.jsonl") + ": no context for image " + ques.get("image").asText());
            String category = "llava_bench_" + ques.get("category").asText();
            String[] rule = rules.get(category);
            if (rule == null) throw new EvalException("Visual QA category not found in rule file: " + category + ".");
            String content = content(captions(inst.get("caption")), ques.get("text").asText(), rule[0], ans1.get("text").asText(), ans2.get("text").asText(), rule[1]);
            String reply = judge.complete(List.of(new JudgeClient.Message("system", SYSTEM), new JudgeClient.Message("user", content)), 0, 0.2, 1024);
            asked++;
            double[] t = LlavaBenchReview.parseScore(reply);
            ObjectNode row = Jsonl.MAPPER.createObjectNode().put("id", idx + 1);
            row.set("question_id", ques.get("question_id"));
            row.set("answer1_id", ans1.has("answer_id") ? ans1.get("answer_id") : ans1.get("question_id"));
            row.set("answer2_id", ans2.get("answer_id"));
            row.put("category", category).put("content", reply);
            ArrayNode tuple = row.putArray("tuple");
            for (double v : t) { if (v == -1) tuple.add(-1); else tuple.add(v); }
            Files.writeString(reviewFile, Jsonl.MAPPER.writeValueAsString(row) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return asked;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        Path answers = Jsonl.answers(dir);
        String modelName = answers.getFileName().toString().replaceFirst("\\.jsonl$", "");
        Path reviewFile = Files.createDirectories(dir.resolve("reviews")).resolve(modelName + ".jsonl");
        int expected = Math.min(Jsonl.read(dir.resolve("questions.jsonl")).size(), Jsonl.read(answers).size());
        int asked = 0;
        if (o.judge() != null) asked = review(dir, answers, reviewFile, o.judge());
        else if (!Files.exists(reviewFile) || Jsonl.read(reviewFile).size() < expected) {
            throw new EvalException("llavabench needs a judge for the missing reviews in " + reviewFile + ": --judge-url URL [--judge-model NAME]");
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        LlavaBenchReview.summarize(reviewFile, m.putObject("summary"));
        int malformed = 0, reviews = 0;
        for (JsonNode r : Jsonl.read(reviewFile)) {
            reviews++;
            if (r.get("tuple").get(0).asDouble() == -1 && r.get("tuple").get(1).asDouble() == -1) malformed++;
        }
        m.put("relative_score", m.get("summary").get("all").get("relative_pct").asDouble());
        m.put("reviews", reviews).put("malformed_reviews", malformed).put("judge_requests", asked);
        if (malformed > 0) System.err.println("llavabench: " + malformed + " review(s) without a parsable score pair count as [-1, -1] (as the official summary does)");
        return m;
    }
}
