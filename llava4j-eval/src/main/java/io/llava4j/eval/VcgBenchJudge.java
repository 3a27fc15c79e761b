package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Video-ChatGPT generation benchmark judged as PLLaVA's tasks/eval/vcgbench (chatgpt_eval + save_results):
 * generic_qa items get the context, detailed_orientation and correctness judgements, temporal_qa the temporal one,
 * consistency_qa the consistency one (both questions and predictions). The judge answers a Python dict
 * {'score': n}; an empty prediction scores 0 without asking, and a reply that does not parse (or whose score does not
 * compare with 3) scores 0, as the script does; those are counted as malformed. Per dimension: acc = % of scores > 3,
 * score = mean; Avg_Acc and Avg_Score over all judgements. Reads inference_results.json ('eval run --benchmark
 * vcgbench'), keeps each judgement in judgements.jsonl so a rerun only asks what is missing.
 */
public final class VcgBenchJudge implements Scorer {
    static final String USER_HEAD = "Please evaluate the following video-based question-answer pair:\n\n"
            + "Question: {question}\n"
            + "Correct Answer: {answer}\n"
            + "Predicted Answer: {pred}\n\n";
    static final String ONLY_DICT = "DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python dictionary string. "
            + "For example, your response should look like this: {'score': 4.8}.";

    /** Sub task -> {system, user template} (sub_task_type2chatgpt_contents). */
    static final Map<String, String[]> CONTENTS = new LinkedHashMap<>();

    static {
        CONTENTS.put("temporal", new String[] {
                "You are an intelligent chatbot designed for evaluating the temporal understanding of generative outputs for video-based question-answer pairs. "
                        + "Your task is to compare the predicted answer with the correct answer and determine if they correctly reflect the temporal sequence of events in the video content. Here's how you can accomplish the task:"
                        + "------"
                        + "##INSTRUCTIONS: "
                        + "- Focus on the temporal consistency between the predicted answer and the correct answer. The predicted answer should correctly reflect the sequence of events or details as they are presented in the video content.\n"
                        + "- Consider synonyms or paraphrases as valid matches, but only if the temporal order is maintained.\n"
                        + "- Evaluate the temporal accuracy of the prediction compared to the answer.",
                USER_HEAD + "Provide your evaluation only as a temporal accuracy score where the temporal accuracy score is an integer value between 0 and 5, with 5 indicating the highest level of temporal consistency. "
                        + "Please generate the response in the form of a Python dictionary string with keys 'score', where its value is the temporal accuracy score in INTEGER, not STRING."
                        + ONLY_DICT});
        CONTENTS.put("context", new String[] {
                "You are an intelligent chatbot designed for evaluating the contextual understanding of generative outputs for video-based question-answer pairs. "
                        + "Your task is to compare the predicted answer with the correct answer and determine if the generated response aligns with the overall context of the video content. Here's how you can accomplish the task:"
                        + "------"
                        + "##INSTRUCTIONS: "
                        + "- Evaluate whether the predicted answer aligns with the overall context of the video content. It should not provide information that is out of context or misaligned.\n"
                        + "- The predicted answer must capture the main themes and sentiments of the video.\n"
                        + "- Consider synonyms or paraphrases as valid matches.\n"
                        + "- Provide your evaluation of the contextual understanding of the prediction compared to the answer.",
                USER_HEAD + "Provide your evaluation only as a contextual understanding score where the contextual understanding score is an integer value between 0 and 5, with 5 indicating the highest level of contextual understanding. "
                        + "Please generate the response in the form of a Python dictionary string with keys 'score', where its value is contextual understanding score in INTEGER, not STRING."
                        + ONLY_DICT});
        CONTENTS.put("detailed_orientation", new String[] {
                "You are an intelligent chatbot designed for evaluating the detail orientation of generative outputs for video-based question-answer pairs. "
                        + "Your task is to compare the predicted answer with the correct answer and determine its level of detail, considering both completeness and specificity. Here's how you can accomplish the task:"
                        + "------"
                        + "##INSTRUCTIONS: "
                        + "- Check if the predicted answer covers all major points from the video. The response should not leave out any key aspects.\n"
                        + "- Evaluate whether the predicted answer includes specific details rather than just generic points. It should provide comprehensive information that is tied to specific elements of the video.\n"
                        + "- Consider synonyms or paraphrases as valid matches.\n"
                        + "- Provide a single evaluation score that reflects the level of detail orientation of the prediction, considering both completeness and specificity.",
                USER_HEAD + "Provide your evaluation only as a detail orientation score where the detail orientation score is an integer value between 0 and 5, with 5 indicating the highest level of detail orientation. "
                        + "Please generate the response in the form of a Python dictionary string with keys 'score', where its value is the detail orientation score in INTEGER, not STRING."
                        + ONLY_DICT});
        CONTENTS.put("correctness", new String[] {
                "You are an intelligent chatbot designed for evaluating the factual accuracy of generative outputs for video-based question-answer pairs. "
                        + "Your task is to compare the predicted answer with the correct answer and determine if they are factually consistent. Here's how you can accomplish the task:"
                        + "------"
                        + "##INSTRUCTIONS: "
                        + "- Focus on the factual consistency between the predicted answer and the correct answer. The predicted answer should not contain any misinterpretations or misinformation.\n"
                        + "- The predicted answer must be factually accurate and align with the video content.\n"
                        + "- Consider synonyms or paraphrases as valid matches.\n"
                        + "- Evaluate the factual accuracy of the prediction compared to the answer.",
                USER_HEAD + "Provide your evaluation only as a factual accuracy score where the factual accuracy score is an integer value between 0 and 5, with 5 indicating the highest level of factual consistency. "
                        + "Please generate the response in the form of a Python dictionary string with keys 'score', where its value is the factual accuracy score in INTEGER, not STRING."
                        + ONLY_DICT});
        CONTENTS.put("consistency", new String[] {
                "You are an intelligent chatbot designed for evaluating the consistency of generative outputs for similar video-based question-answer pairs. "
                        + "You will be given two very similar questions, a common answer common to both the questions and predicted answers for the two questions ."
                        + "Your task is to compare the predicted answers for two very similar question, with a common correct answer and determine if they are consistent. Here's how you can accomplish the task:"
                        + "------"
                        + "##INSTRUCTIONS: "
                        + "- Focus on the consistency between the two predicted answers and the correct answer. Both predicted answers should correspond to the correct answer and to each other, and should not contain any contradictions or significant differences in the conveyed information.\n"
                        + "- Both predicted answers must be consistent with each other and the correct answer, in terms of the information they provide about the video content.\n"
                        + "- Consider synonyms or paraphrases as valid matches, but only if they maintain the consistency in the conveyed information.\n"
                        + "- Evaluate the consistency of the two predicted answers compared to the correct answer.",
                "Please evaluate the following video-based question-answer pair:\n\n"
                        + "Question 1: {question}\n"
                        + "Question 2: {question1}\n"
                        + "Correct Answer: {answer}\n"
                        + "Predicted Answer to Question 1: {pred}\n"
                        + "Predicted Answer to Question 2: {pred1}\n\n"
                        + "Provide your evaluation only as a consistency score where the consistency score is an integer value between 0 and 5, with 5 indicating the highest level of consistency. "
                        + "Please generate the response in the form of a Python dictionary string with keys 'score', where its value is the consistency score in INTEGER, not STRING."
                        + ONLY_DICT});
    }

    @Override public String name() { return "vcgbench"; }
    @Override public String defaultJudgeModel() { return "gpt-3.5-turbo-0125"; }

    /** str.format with named fields in one pass (values are not formatted again). */
    static String format(String template, Map<String, String> values) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) { sb.append(template, i, template.length()); break; }
            int close = template.indexOf('}', open);
            String name = close < 0 ? null : template.substring(open + 1, close);
            if (name != null && values.containsKey(name)) {
                sb.append(template, i, open).append(values.get(name));
                i = close + 1;
            } else {
                sb.append(template, i, open + 1);
                i = open + 1;
            }
        }
        return sb.toString();
    }

    /** The judge's score, or null when check_ans would fail (no dict, no 'score', a score that does not compare with 3). */
    static Double score(String reply) {
        Map<String, Object> d = PyLiteral.dict(reply);
        if (d == null || !d.containsKey("score")) return null;
        Object v = d.get("score");
        if (v instanceof Boolean b) return b ? 1.0 : 0.0;
        if (v instanceof Number n) return n.doubleValue();
        return null;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        JsonNode results = Jsonl.json(dir.resolve("inference_results.json"));
        Path store = dir.resolve("judgements.jsonl");
        Map<String, Double> done = new LinkedHashMap<>();
        if (Files.exists(store)) for (JsonNode j : Jsonl.read(store)) done.put(j.get("key").asText(), j.get("score").isNull() ? null : j.get("score").asDouble());
        Map<String, double[]> acc = new LinkedHashMap<>(); // sub task -> {correct, total, score}
        int malformed = 0, requests = 0, i = 0;
        for (JsonNode res : results) {
            String task = res.get("task_type").asText();
            List<String> subs = switch (task) {
                case "generic_qa" -> List.of("context", "detailed_orientation", "correctness");
                case "temporal_qa" -> List.of("temporal");
                case "consistency_qa" -> List.of("consistency");
                default -> throw new EvalException("not implemented task type for " + task);
            };
            for (String sub : subs) {
                String key = i + "/" + sub;
                Double s;
                boolean empty = res.get("pred").asText().isEmpty() || (sub.equals("consistency") && res.path("pred1").asText().isEmpty());
                if (empty) s = 0.0;
                else if (done.containsKey(key)) s = done.get(key);
                else {
                    if (o.judge() == null) throw new EvalException("vcgbench needs a judge for the unjudged items: --judge-url URL [--judge-model NAME]");
                    Map<String, String> v = new LinkedHashMap<>();
                    v.put("question", res.get("question").asText());
                    v.put("answer", res.get("gt").asText());
                    v.put("pred", res.get("pred").asText());
                    if (sub.equals("consistency")) { v.put("question1", res.get("question1").asText()); v.put("pred1", res.get("pred1").asText()); }
                    String[] c = CONTENTS.get(sub);
                    String reply = o.judge().complete(List.of(new JudgeClient.Message("system", c[0]), new JudgeClient.Message("user", format(c[1], v))), 0, null, null);
                    requests++;
                    s = score(reply);
                    ObjectNode line = Jsonl.MAPPER.createObjectNode().put("key", key).put("reply", reply);
                    if (s == null) line.putNull("score"); else line.put("score", s);
                    Files.writeString(store, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                }
                if (s == null) { malformed++; s = 0.0; }
                double[] a = acc.computeIfAbsent(sub, k -> new double[3]);
                a[1]++;
                if (s > 3) a[0]++;
                a[2] += s;
            }
            i++;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        double correct = 0, total = 0, totalScore = 0;
        for (var e : acc.entrySet()) {
            double[] a = e.getValue();
            m.putObject(e.getKey()).put("acc", a[0] / a[1] * 100).put("score", a[2] / a[1]);
            correct += a[0];
            total += a[1];
            totalScore += a[2];
        }
        if (total == 0) throw new EvalException(dir.resolve("inference_results.json") + ": no results");
        m.put("Avg_Acc", correct / total * 100).put("Avg_Score", totalScore / total);
        m.put("judge_requests", requests).put("malformed_replies", malformed);
        if (malformed > 0) System.err.println("vcgbench: " + malformed + " judgement(s) without a parsable {'score': n} count as 0 (as the official script does)");
        return m;
    }
}
