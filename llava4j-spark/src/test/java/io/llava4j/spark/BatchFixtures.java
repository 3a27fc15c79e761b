package io.llava4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.api.Llava4j;
import io.llava4j.config.Json;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.testing.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny LLaVA-1.5 fixture as a batch: its golden images with a few questions, and the engine's own answers. */
final class BatchFixtures {
    static final int MAX_NEW_TOKENS = 6;
    static final Map<String, String> TEST_CONF = Map.of("spark.ui.enabled", "false", "spark.ui.showConsoleProgress", "false");

    private BatchFixtures() {}

    static Path model() { return Fixtures.dir("llava-1.5-tiny"); }

    static Path golden() { return model().resolve("golden"); }

    /** 9 questions over the three golden images plus one text-only question, as a LLaVA question file. */
    static Path questionFile(Path dir) throws IOException {
        String[] images = {"img_landscape_200x150.png", "img_portrait_120x240.png", "img_tiny_30x30.png"};
        String[] texts = {"What is shown in this image?", "Describe the colours.", "Is there a cat? Answer yes or no."};
        List<String> lines = new ArrayList<>();
        int id = 0;
        for (String img : images) {
            for (String t : texts) {
                lines.add(Json.MAPPER.createObjectNode().put("question_id", id++).put("image", img).put("text", t).toString());
            }
        }
        lines.add(Json.MAPPER.createObjectNode().put("question_id", "text-only").put("text", "Tell me a story.").toString());
        Path f = dir.resolve("questions.jsonl");
        Files.write(f, lines);
        return f;
    }

    /** What the engine answers for each item, asked directly through the library API (question_id -> text). */
    static Map<String, String> engineAnswers(List<BatchItem> items) {
        Map<String, String> out = new HashMap<>();
        try (Llava4j llava = Llava4j.load(model())) {
            for (BatchItem i : items) {
                List<RgbImage> imgs = i.image() == null ? List.of() : List.of(ImageDecoder.decode(Path.of(i.image())));
                out.put(i.questionId(), llava.newChat().send(i.text(), imgs, SamplingParams.greedy().withMaxNewTokens(MAX_NEW_TOKENS), null).text());
            }
        }
        return out;
    }

    /** Every answer row of an output folder, in file order. */
    static List<JsonNode> answerRows(Path out) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (Path p : new OutputLayout(out).answerFiles()) for (String l : Files.readAllLines(p)) rows.add(Json.MAPPER.readTree(l));
        return rows;
    }

    /** Checks that the output answers exactly these items, each once, in input order, each as the engine does. */
    static void assertAnswers(Path out, List<BatchItem> items, Map<String, String> expected) throws IOException {
        List<JsonNode> rows = answerRows(out);
        assertEquals(items.size(), rows.size(), "one answer per item, none twice");
        for (int k = 0; k < items.size(); k++) {
            JsonNode row = rows.get(k);
            BatchItem item = items.get(k);
            assertEquals(item.questionIdJson(), row.get("question_id").toString(), "input order and question_id type kept");
            assertEquals(expected.get(item.questionId()), row.get("text").asText(), "answer of " + item.questionId());
            assertEquals(item.text(), row.get("prompt").asText());
            assertEquals("llava-1.5-tiny", row.get("model_id").asText());
            assertTrue(row.get("metadata").isObject());
            assertEquals(22, row.get("answer_id").asText().length());
        }
    }
}
