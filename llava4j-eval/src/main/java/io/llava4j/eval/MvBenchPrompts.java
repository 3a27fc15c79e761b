package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MVBench generate step as PLLaVA's tasks/eval/mvbench/pllava_eval_mvbench.py: the 20 task files under json/, videos
 * under video/ (the prefixes of MVBenchDataset, relative to the MVBench folder), qa_template ("Question: q\nOptions:\n(A) c\n..."
 * right-stripped), post_query_prompt "\nOnly give the best option.", conversation eval_mvbench with answer prompt
 * "Best option:(", greedy, max_new_tokens 100; the prediction is "(" + what follows the answer prompt. Rows also carry
 * lmms-eval's {task, doc, pred} so both 'eval score --benchmark mvbench' (lmms-eval rules) and 'mvbench_pllava'
 * (PLLaVA's check_ans) read the same file, docs_and_predictions.jsonl.
 */
public final class MvBenchPrompts implements BenchmarkPrompts {
    static final String POST_QUERY = "\nOnly give the best option.";
    static final String ANSWER_PROMPT = "Best option:(";
    static final String RETURN_PROMPT = "(";

    /** task name, json file, video prefix (relative to the MVBench folder), data type, has start/end. */
    record Task(String name, String json, String prefix, String type, boolean bound) {}

    static final List<Task> TASKS = List.of(
            new Task("Action Sequence", "action_sequence.json", "video/star/Charades_v1_480/", "video", true),
            new Task("Action Prediction", "action_prediction.json", "video/star/Charades_v1_480/", "video", true),
            new Task("Action Antonym", "action_antonym.json", "video/ssv2_video/", "video", false),
            new Task("Fine-grained Action", "fine_grained_action.json", "video/Moments_in_Time_Raw/videos/", "video", false),
            new Task("Unexpected Action", "unexpected_action.json", "video/FunQA_test/test/", "video", false),
            new Task("Object Existence", "object_existence.json", "video/clevrer/video_validation/", "video", false),
            new Task("Object Interaction", "object_interaction.json", "video/star/Charades_v1_480/", "video", true),
            new Task("Object Shuffle", "object_shuffle.json", "video/perception/videos/", "video", false),
            new Task("Moving Direction", "moving_direction.json", "video/clevrer/video_validation/", "video", false),
            new Task("Action Localization", "action_localization.json", "video/sta/sta_video/", "video", true),
            new Task("Scene Transition", "scene_transition.json", "video/scene_qa/video/", "video", false),
            new Task("Action Count", "action_count.json", "video/perception/videos/", "video", false),
            new Task("Moving Count", "moving_count.json", "video/clevrer/video_validation/", "video", false),
            new Task("Moving Attribute", "moving_attribute.json", "video/clevrer/video_validation/", "video", false),
            new Task("State Change", "state_change.json", "video/perception/videos/", "video", false),
            new Task("Fine-grained Pose", "fine_grained_pose.json", "video/nturgbd/", "video", false),
            new Task("Character Order", "character_order.json", "video/perception/videos/", "video", false),
            new Task("Egocentric Navigation", "egocentric_navigation.json", "video/vlnqa/", "video", false),
            new Task("Episodic Reasoning", "episodic_reasoning.json", "video/tvqa/frames_fps3_hq/", "frame", true),
            new Task("Counterfactual Inference", "counterfactual_inference.json", "video/clevrer/video_validation/", "video", false));

    @Override public String name() { return "mvbench"; }
    @Override public int maxNewTokens() { return 100; }
    @Override public String answersPath(String modelId) { return "docs_and_predictions.jsonl"; }
    @Override public String keyOf(JsonNode row) { return row.get("key").asText(); }

    /** qa_template: the question block and the "(X) answer" ground truth. */
    static String[] qaTemplate(JsonNode data) {
        StringBuilder q = new StringBuilder("Question: " + data.get("question").asText() + "\n").append("Options:\n");
        String answer = data.get("answer").asText();
        int answerIdx = -1, idx = 0;
        for (JsonNode c : data.get("candidates")) {
            q.append("(").append((char) ('A' + idx)).append(") ").append(c.asText()).append("\n");
            if (c.asText().equals(answer)) answerIdx = idx;
            idx++;
        }
        return new String[] {PyStr.rstrip(q.toString()), "(" + (char) ('A' + answerIdx) + ") " + answer};
    }

    @Override
    public List<BenchPrompt> prompts(Path dir, GenerateOptions o) throws Exception {
        String conv = o.convMode() == null ? "eval_mvbench" : o.convMode();
        PllavaConversation pc = conv.startsWith("eval_") ? PllavaConversation.byName(conv) : null;
        Path videoRoot = o.media() != null ? o.media() : dir;
        List<BenchPrompt> out = new ArrayList<>();
        int found = 0;
        for (Task t : TASKS) {
            Path json = dir.resolve("json").resolve(t.json());
            if (!Files.isRegularFile(json)) continue;
            found++;
            int i = 0;
            for (JsonNode data : Jsonl.json(json)) {
                String[] qa = qaTemplate(data);
                Double start = t.bound() ? data.get("start").asDouble() : null, end = t.bound() ? data.get("end").asDouble() : null;
                Path video = videoRoot.resolve(t.prefix()).resolve(data.get("video").asText());
                ObjectNode fields = Jsonl.MAPPER.createObjectNode().put("task_type", t.name()).put("gt", qa[1]).put("video_path", t.prefix() + data.get("video").asText());
                String stem = t.json().substring(0, t.json().length() - ".json".length());
                fields.put("task", stem);
                String user = qa[0] + " " + POST_QUERY;
                String raw = pc == null ? null : pc.prompt(qa[0], null, POST_QUERY, ANSWER_PROMPT);
                out.add(new BenchPrompt(stem + "/" + i++, null, user, raw != null ? raw : user,
                        pc == null ? PllavaConversation.SYSTEM_MVBENCH : null, pc == null ? ANSWER_PROMPT : null, raw,
                        new BenchPrompt.Video(video, start, end), data, fields));
            }
        }
        if (found == 0) throw new EvalException("mvbench: no task json (e.g. json/action_sequence.json) in " + dir);
        return out;
    }

    /** infer_mvbench: the text after the answer prompt, with "(" put back. */
    static String prediction(String generated) {
        // pllava_answer keeps what follows the last assistant role: the answer prompt + the generated text, stripped
        String afterRole = PyStr.strip(ANSWER_PROMPT + generated.replaceAll("</s>$", ""));
        String[] parts = afterRole.split(java.util.regex.Pattern.quote(ANSWER_PROMPT), -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < parts.length; i++) sb.append(parts[i]);
        return RETURN_PROMPT + sb;
    }

    @Override
    public ObjectNode answerRow(BenchPrompt p, String text, String modelId, String answerId) {
        String pred = prediction(text);
        ObjectNode row = Jsonl.MAPPER.createObjectNode().put("key", p.key());
        row.put("task", p.fields().get("task").asText());
        row.set("doc", p.item());
        row.put("pred", pred).put("prompt", p.recordedPrompt());
        row.put("task_type", p.fields().get("task_type").asText()).put("gt", p.fields().get("gt").asText())
                .put("video_path", p.fields().get("video_path").asText()).put("question", p.userText())
                .put("answer_id", answerId).put("model_id", modelId);
        return row;
    }

    /** PLLaVA tasks/eval/mvbench check_ans. */
    static boolean checkAns(String pred, String gt) {
        String[] predList = pred.toLowerCase(java.util.Locale.ROOT).split(" ", -1);
        String predOption = predList[0];
        String[] gtList = gt.toLowerCase(java.util.Locale.ROOT).split(" ", -1);
        String gtOption = gtList[0];
        String gtContent = String.join(" ", java.util.Arrays.copyOfRange(gtList, 1, gtList.length));
        if (gtContent.isEmpty()) throw new EvalException("MVBench ground truth '" + gt + "' has no answer text (the official check_ans fails on it)");
        boolean anyLetter = false;
        for (char c : "abcdefgABCDEFG".toCharArray()) if (predOption.indexOf(c) >= 0) anyLetter = true;
        if (!anyLetter) return false;
        if (gtOption.contains(predOption.replace(".", ""))) return true;
        return predOption.contains(gtOption);
    }
}
