package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-judged video QA (Video-ChatGPT evaluate_activitynet_qa.py): the judge answers a Python dict
 * {'pred': 'yes'|'no', 'score': 0-5}; a reply that does not parse is asked again until every item has one;
 * score = int(score) (truncation), accuracy = yes / (yes + no) over pred containing "yes" / else "no".
 * With --judge-replay the recorded replies (first attempt, then the retry) stand in for the judge.
 */
public final class VideoChatGptQaScorer implements Scorer {
    @Override public String name() { return "videochatgpt_qa"; }

    /** A judge: the k-th call for item i returns a reply. */
    public interface Judge { String reply(int item, int attempt, JsonNode qa); }

    static Judge replay(Path file) throws Exception {
        JsonNode r = Jsonl.json(file);
        JsonNode first = r.get("first_attempt"), retry = r.get("retry_attempt");
        if (first == null) throw new EvalException(file + ": no first_attempt list");
        return (item, attempt, qa) -> {
            JsonNode n = attempt == 0 ? first.get(item) : retry == null ? null : retry.get(item);
            if (n == null || n.isNull()) throw new EvalException(file + ": no recorded judge reply for item " + item + " attempt " + attempt);
            return n.asText();
        };
    }

    static final String SYSTEM = "You are an intelligent chatbot designed for evaluating the correctness of generative outputs for question-answer pairs. "
            + "Your task is to compare the predicted answer with the correct answer and determine if they match meaningfully. Here's how you can accomplish the task:"
            + "------"
            + "##INSTRUCTIONS: "
            + "- Focus on the meaningful match between the predicted answer and the correct answer.\n"
            + "- Consider synonyms or paraphrases as valid matches.\n"
            + "- Evaluate the correctness of the prediction compared to the answer.";

    /** The judging request of evaluate_activitynet_qa.py for one item. */
    static List<JudgeClient.Message> messages(String q, String a, String pred) {
        String user = "Please evaluate the following video-based question-answer pair:\n\n"
                + "Question: " + q + "\n"
                + "Correct Answer: " + a + "\n"
                + "Predicted Answer: " + pred + "\n\n"
                + "Provide your evaluation only as a yes/no and score where the score is an integer value between 0 and 5, with 5 indicating the highest meaningful match. "
                + "Please generate the response in the form of a Python dictionary string with keys 'pred' and 'score', where value of 'pred' is  a string of 'yes' or 'no' and value of 'score' is in INTEGER, not STRING."
                + "DO NOT PROVIDE ANY OTHER OUTPUT TEXT OR EXPLANATION. Only provide the Python dictionary string. "
                + "For example, your response should look like this: {'pred': 'yes', 'score': 4.8}.";
        return List.of(new JudgeClient.Message("system", SYSTEM), new JudgeClient.Message("user", user));
    }

    /** A live judge through an OpenAI-compatible endpoint. */
    static Judge live(JudgeClient client) {
        return (item, attempt, qa) -> {
            try {
                return client.complete(messages(qa.get("Q").asText(), qa.get("A").asText(), qa.get("pred").asText()), attempt);
            } catch (java.io.IOException e) {
                throw new EvalException("judge call failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EvalException("interrupted");
            }
        };
    }

    static int intScore(Object v) {
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof Long l) return (int) (long) l;
        if (v instanceof Double d) return (int) (double) d;
        if (v instanceof String s) return Integer.parseInt(PyStr.strip(s));
        throw new EvalException("judge score " + v + " is not a number");
    }

    /**
     * pred_activitynet_qa.json (the official name), else the one pred_*.json 'eval run' wrote for another video QA
     * benchmark (pred_msvd_qa.json, pred_msrvtt_qa.json, pred_tgif_qa.json).
     */
    static Path predictionFile(Path dir) throws java.io.IOException {
        Path official = dir.resolve("pred_activitynet_qa.json");
        if (java.nio.file.Files.exists(official)) return official;
        try (var s = java.nio.file.Files.list(dir)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().matches("pred_.+\\.json")).sorted().toList();
            if (found.size() == 1) return found.getFirst();
            if (found.isEmpty()) throw new EvalException(dir + ": no pred_activitynet_qa.json (or other pred_*.json from 'eval run')");
            throw new EvalException(dir + ": several prediction files " + found.stream().map(p -> p.getFileName().toString()).toList()
                    + "; keep one, or name it pred_activitynet_qa.json");
        }
    }

    public ObjectNode score(Path dir, Judge judge, int maxAttempts) throws Exception {
        JsonNode preds = Jsonl.json(predictionFile(dir));
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        int malformed = 0, calls = 0;
        List<String> unjudged = new ArrayList<>();
        List<JsonNode> items = new ArrayList<>();
        preds.forEach(items::add);
        for (int i = 0; i < items.size(); i++) {
            JsonNode qa = items.get(i);
            String name = qa.get("video_name").asText();
            int k = seen.merge(name, 1, Integer::sum) - 1;
            String key = name + "_" + k;
            for (int attempt = 0; ; attempt++) {
                if (attempt >= maxAttempts) { unjudged.add(key); break; } // the official script would ask forever
                calls++;
                Map<String, Object> d = PyLiteral.dict(judge.reply(i, attempt, qa));
                if (d != null) { results.put(key, d); break; }
                malformed++;
            }
        }
        int yes = 0, no = 0;
        long scoreSum = 0;
        for (Map<String, Object> r : results.values()) {
            scoreSum += intScore(r.get("score"));
            String p = String.valueOf(r.get("pred")).toLowerCase(java.util.Locale.ROOT);
            if (p.contains("yes")) yes++;
            else if (p.contains("no")) no++;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode();
        m.put("accuracy", yes + no == 0 ? 0.0 : (double) yes / (yes + no));
        m.put("average_score", results.isEmpty() ? 0.0 : (double) scoreSum / results.size());
        m.put("yes_count", yes).put("no_count", no).put("judge_calls", calls).put("malformed_replies", malformed);
        m.put("unjudged", unjudged.size());
        if (!unjudged.isEmpty()) {
            System.err.println("videochatgpt_qa: " + unjudged.size() + " item(s) got no parsable judgement in " + maxAttempts
                    + " attempts and are left out of the metrics: " + unjudged);
        }
        return m;
    }

    @Override
    public ObjectNode score(Path dir, ScoreOptions o) throws Exception {
        if (o.judgeReplay() != null) return score(dir, replay(o.judgeReplay()), 10);
        if (o.judge() != null) return score(dir, live(o.judge()), 10);
        throw new EvalException("videochatgpt_qa needs a judge: --judge-url URL --judge-model NAME (key from $OPENAI_API_KEY), or --judge-replay FILE");
    }
}
