package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ScienceQA-IMG generate step (LLaVA scripts/v1_5/eval/sqa.sh -> model_vqa_science.py --single-pred-prompt,
 * temperature 0, max_new_tokens 1024). Questions come from llava_test_CQM-A.json; when only the raw
 * problems.json/pid_splits.json exist, the file is built as scripts/convert_sqa_to_llava.py does with format CQM-A.
 * Images are in images/test/&lt;pid&gt;/&lt;image&gt;.
 */
public final class ScienceQaPrompts implements BenchmarkPrompts {
    static final String SINGLE_PRED = "Answer with the option's letter from the given choices directly.";
    static final String OPTIONS = "ABCDE";

    @Override public String name() { return "scienceqa"; }
    @Override public int maxNewTokens() { return 1024; }

    /** The human turn of convert_sqa_to_llava (CQM-A, use_caption False), "\n&lt;image&gt;" appended when there is an image. */
    static String conversationValue(JsonNode problem) {
        if (!problem.path("hint").isTextual()) throw new EvalException("scienceqa problem without a text 'hint': " + problem);
        String hint = problem.get("hint").asText();
        String context = PyStr.strip(hint + " ");
        if (context.isEmpty()) context = "N/A";
        List<String> choices = new ArrayList<>();
        int i = 0;
        for (JsonNode c : problem.get("choices")) choices.add("(" + OPTIONS.charAt(i++) + ") " + c.asText());
        String input = "Context: " + context + "\nQuestion: " + problem.get("question").asText() + "\nOptions: " + String.join(" ", choices) + "\n";
        input = PyStr.strip(input.replace("  ", " "));
        if (input.endsWith("BECAUSE:")) input = PyStr.strip(input.replace("BECAUSE:", ""));
        if (input.startsWith("Question: ")) input = input.replace("Question: ", "");
        boolean image = problem.hasNonNull("image");
        return image ? input + "\n<image>" : input;
    }

    /** llava_test_CQM-A.json items built from the raw files (id, image, conversations[0].value). */
    static List<JsonNode> convert(Path base, String split) throws Exception {
        JsonNode problems = Jsonl.json(base.resolve("problems.json"));
        JsonNode ids = Jsonl.json(base.resolve("pid_splits.json")).get(split);
        if (ids == null) throw new EvalException(base.resolve("pid_splits.json") + ": no \"" + split + "\" split");
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode id : ids) {
            JsonNode p = problems.get(id.asText());
            if (p == null) throw new EvalException(base.resolve("problems.json") + ": no problem " + id.asText());
            ObjectNode item = Jsonl.MAPPER.createObjectNode().put("id", id.asText());
            if (p.hasNonNull("image")) item.put("image", id.asText() + "/" + p.get("image").asText());
            item.putArray("conversations").addObject().put("from", "human").put("value", conversationValue(p));
            out.add(item);
        }
        return out;
    }

    @Override
    public List<BenchPrompt> prompts(Path dir, GenerateOptions o) throws Exception {
        Path qFile = o.questions() != null ? o.questions() : dir.resolve("llava_test_CQM-A.json");
        List<JsonNode> items = new ArrayList<>();
        if (Files.isRegularFile(qFile)) Jsonl.json(qFile).forEach(items::add);
        else if (o.questions() == null && Files.isRegularFile(dir.resolve("problems.json"))) items = convert(dir, "test");
        else if (o.questions() == null && Files.isRegularFile(dir.resolve("base/problems.json"))) items = convert(dir.resolve("base"), "test");
        else throw new EvalException("scienceqa: neither " + qFile + " nor problems.json + pid_splits.json found in " + dir);
        Path images = o.media() != null ? o.media() : dir.resolve("images/test");
        List<BenchPrompt> out = new ArrayList<>();
        for (JsonNode line : items) {
            String qs = PyStr.strip(line.get("conversations").get(0).get("value").asText().replace("<image>", ""));
            String cur = qs;
            BenchPrompt.Media media = null;
            if (line.has("image")) {
                media = new BenchPrompt.ImageFile(images.resolve(line.get("image").asText()));
                cur = "<image>\n" + cur;
            }
            qs = qs + "\n" + SINGLE_PRED;
            cur = cur + "\n" + SINGLE_PRED;
            out.add(new BenchPrompt(line.get("id").asText(), line.get("id"), qs, cur, null, null, null, media, line, null));
        }
        return out;
    }

    @Override
    public ObjectNode answerRow(BenchPrompt p, String text, String modelId, String answerId) {
        return AnswerRows.llava(p.questionId(), null, p.recordedPrompt(), PyStr.strip(text), null, answerId, modelId);
    }
}
