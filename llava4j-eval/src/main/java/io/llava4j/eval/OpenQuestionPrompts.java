package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Free-form benchmarks generated with LLaVA's model_vqa.py (temperature 0 as scripts/v1_5/eval/llavabench.sh and
 * mmvet.sh call it, max_new_tokens 1024): the question text as it is, the image first. MM-Vet also gets the file its
 * official grader reads, as scripts/convert_mmvet_for_eval.py writes it: results/&lt;model&gt;.json = {"v1_&lt;qid&gt;": text}.
 */
public final class OpenQuestionPrompts implements BenchmarkPrompts {
    private final String name, questionFile, imageFolder;
    private final boolean mmvetResults;

    private OpenQuestionPrompts(String name, String questionFile, String imageFolder, boolean mmvetResults) {
        this.name = name;
        this.questionFile = questionFile;
        this.imageFolder = imageFolder;
        this.mmvetResults = mmvetResults;
    }

    /** LLaVA-Bench (in-the-wild): questions.jsonl, images/. */
    public static OpenQuestionPrompts llavaBench() { return new OpenQuestionPrompts("llavabench", "questions.jsonl", "images", false); }

    /** MM-Vet: llava-mm-vet.jsonl, images/. */
    public static OpenQuestionPrompts mmVet() { return new OpenQuestionPrompts("mmvet", "llava-mm-vet.jsonl", "images", true); }

    @Override public String name() { return name; }
    @Override public int maxNewTokens() { return 1024; }

    @Override
    public List<BenchPrompt> prompts(Path dir, GenerateOptions o) throws Exception {
        Path qFile = o.questions() != null ? o.questions() : dir.resolve(questionFile);
        Path images = o.media() != null ? o.media() : dir.resolve(imageFolder);
        List<BenchPrompt> out = new ArrayList<>();
        for (JsonNode q : Jsonl.read(qFile)) {
            for (String k : new String[] {"question_id", "image", "text"}) {
                if (!q.has(k)) throw new EvalException(qFile + ": a question without '" + k + "': " + q);
            }
            String text = q.get("text").asText();
            out.add(new BenchPrompt(q.get("question_id").asText(), q.get("question_id"), text, text, null, null, null,
                    new BenchPrompt.ImageFile(images.resolve(q.get("image").asText())), q, null));
        }
        return out;
    }

    @Override
    public ObjectNode answerRow(BenchPrompt p, String text, String modelId, String answerId) {
        return AnswerRows.llava(p.questionId(), null, p.recordedPrompt(), PyStr.strip(text), null, answerId, modelId);
    }

    @Override
    public void finish(Path outDir, Path answers, String modelId) throws Exception {
        if (!mmvetResults) return;
        Path results = Files.createDirectories(outDir.resolve("results")).resolve(modelId + ".json");
        Files.writeString(results, mmvetResultsJson(answers), StandardCharsets.UTF_8);
    }

    /** json.dump(cur_result, f, indent=2) of convert_mmvet_for_eval.py (a later row with the same id wins, first position kept). */
    static String mmvetResultsJson(Path answers) throws Exception {
        Map<String, String> r = new java.util.LinkedHashMap<>();
        for (JsonNode row : Jsonl.read(answers)) r.put("v1_" + row.get("question_id").asText(), row.get("text").asText());
        if (r.isEmpty()) return "{}";
        StringBuilder sb = new StringBuilder("{");
        String sep = "\n";
        for (var e : r.entrySet()) {
            sb.append(sep).append("  ").append(PyJson.dumps(e.getKey())).append(": ").append(PyJson.dumps(e.getValue()));
            sep = ",\n";
        }
        return sb.append("\n}").toString();
    }
}
