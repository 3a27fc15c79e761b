package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Answer rows in the field order LLaVA's model_vqa* scripts write them. */
final class AnswerRows {
    private AnswerRows() {}

    /** {question_id, prompt, text, answer_id, model_id, metadata: {}} with extra fields after question_id. */
    static ObjectNode llava(JsonNode questionId, ObjectNode afterId, String prompt, String text, ObjectNode afterText,
                            String answerId, String modelId) {
        ObjectNode row = Jsonl.MAPPER.createObjectNode();
        row.set("question_id", questionId);
        if (afterId != null) row.setAll(afterId);
        row.put("prompt", prompt).put("text", text);
        if (afterText != null) row.setAll(afterText);
        row.put("answer_id", answerId).put("model_id", modelId);
        row.putObject("metadata");
        return row;
    }
}
