package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Video-ChatGPT generation benchmark (VCGBench) as PLLaVA's tasks/eval/vcgbench/pllava_eval_vcgbench.py runs it:
 * generic_qa.json and temporal_qa.json (video_name, Q, A) ask Q once; consistency_qa.json (Q1, Q2, A) asks both
 * questions. Conversation eval_vcgbench (Video-ChatGPT system prompt), no extra query text, greedy,
 * max_new_tokens 512, stop at "###" or "USER". When every request is answered, inference_results.json is written in
 * PLLaVA's result_list format (for consistency items "question" holds Q2 and "question1" Q1, as the script's swap
 * leaves them, while "pred" answers Q1 and "pred1" Q2).
 */
public final class VcgBenchPrompts implements BenchmarkPrompts {
    static final String[] TASKS = {"generic_qa", "temporal_qa", "consistency_qa"};

    @Override public String name() { return "vcgbench"; }
    @Override public int maxNewTokens() { return 512; }
    @Override public List<String> extraStops() { return List.of("###", "USER"); }
    @Override public String keyOf(JsonNode row) { return row.get("key").asText(); }

    static Path questionFile(Path dir, String task) {
        Path nested = dir.resolve("Zero_Shot_QA/Benchmarking_QA").resolve(task + ".json");
        return Files.isRegularFile(nested) ? nested : dir.resolve(task + ".json");
    }

    static Path video(Path videos, String name) {
        for (String ext : new String[] {"mp4", "mkv"}) {
            Path p = videos.resolve(name + "." + ext);
            if (Files.exists(p)) return p;
        }
        throw new EvalException("vcgbench: no video named " + name + " (.mp4 or .mkv) in " + videos);
    }

    @Override
    public List<BenchPrompt> prompts(Path dir, GenerateOptions o) throws Exception {
        String conv = o.convMode() == null ? "eval_vcgbench" : o.convMode();
        PllavaConversation pc = conv.startsWith("eval_") ? PllavaConversation.byName(conv) : null;
        Path videos = o.media() != null ? o.media() : Files.isDirectory(dir.resolve("Videos/Benchmarking")) ? dir.resolve("Videos/Benchmarking") : dir.resolve("videos");
        List<BenchPrompt> out = new ArrayList<>();
        int found = 0;
        for (String task : TASKS) {
            Path f = questionFile(dir, task);
            if (!Files.isRegularFile(f)) continue;
            found++;
            int i = 0;
            for (JsonNode data : Jsonl.json(f)) {
                Path v = video(videos, data.get("video_name").asText());
                String[] questions = task.equals("consistency_qa") ? new String[] {data.get("Q1").asText(), data.get("Q2").asText()}
                        : new String[] {data.get("Q").asText()};
                for (int k = 0; k < questions.length; k++) {
                    ObjectNode fields = Jsonl.MAPPER.createObjectNode().put("task_type", task).put("video_path", v.toString()).put("round", k);
                    String raw = pc == null ? null : pc.prompt(questions[k], null, null, null);
                    out.add(new BenchPrompt(task + "/" + i + "/" + k, null, questions[k], raw != null ? raw : questions[k],
                            pc == null ? PllavaConversation.SYSTEM_VIDEO_CHATGPT : null, null, raw, new BenchPrompt.Video(v, null, null), data, fields));
                }
                i++;
            }
        }
        if (found == 0) throw new EvalException("vcgbench: none of generic_qa.json, temporal_qa.json, consistency_qa.json in " + dir + " (or its Zero_Shot_QA/Benchmarking_QA/)");
        return out;
    }

    @Override
    public ObjectNode answerRow(BenchPrompt p, String text, String modelId, String answerId) {
        String pred = PyStr.strip(text.endsWith("</s>") ? text.substring(0, text.length() - 4) : text);
        return Jsonl.MAPPER.createObjectNode().put("key", p.key()).put("task_type", p.fields().get("task_type").asText())
                .put("video_path", p.fields().get("video_path").asText()).put("question", p.userText())
                .put("gt", p.item().get("A").asText()).put("pred", pred).put("answer_id", answerId).put("model_id", modelId);
    }

    @Override
    public void finish(Path outDir, Path answers, String modelId) throws Exception {
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        for (JsonNode r : Jsonl.read(answers)) byKey.put(r.get("key").asText(), r);
        ArrayNode results = Jsonl.MAPPER.createArrayNode();
        for (JsonNode r : byKey.values()) {
            String key = r.get("key").asText();
            if (key.endsWith("/1")) continue;
            ObjectNode res = results.addObject();
            if (r.get("task_type").asText().equals("consistency_qa")) {
                JsonNode second = byKey.get(key.substring(0, key.length() - 1) + "1");
                if (second == null) throw new EvalException(answers + ": no answer to the second question of " + key);
                res.put("pred", r.get("pred").asText()).put("pred1", second.get("pred").asText()).put("gt", r.get("gt").asText())
                        .put("video", r.get("video_path").asText()).put("task_type", "consistency_qa")
                        .put("question", second.get("question").asText()).put("question1", r.get("question").asText());
            } else {
                res.put("pred", r.get("pred").asText()).put("gt", r.get("gt").asText()).put("video_path", r.get("video_path").asText())
                        .put("question", r.get("question").asText()).put("task_type", r.get("task_type").asText());
            }
        }
        Files.writeString(outDir.resolve("inference_results.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results), StandardCharsets.UTF_8);
    }
}
