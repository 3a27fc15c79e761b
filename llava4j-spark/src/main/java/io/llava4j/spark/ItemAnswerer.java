package io.llava4j.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Llava4j;
import io.llava4j.config.Json;
import io.llava4j.eval.AnswerEngine;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.media.VideoDecoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Answers one item the way {@code eval run} does (the image or video goes before the text, rendered with the
 * model's template or --conv-mode) and builds the seeds' answer row.
 */
final class ItemAnswerer {
    private final Llava4j llava;
    private final BatchSpec spec;
    private final String modelId;

    ItemAnswerer(Llava4j llava, BatchSpec spec) {
        this.llava = llava;
        this.spec = spec;
        this.modelId = Path.of(spec.model()).getFileName().toString();
    }

    /** The answer row {question_id, prompt, text, answer_id, model_id, metadata}; throws for a bad item. */
    String answer(BatchItem item) throws IOException {
        List<RgbImage> images = item.image() == null ? List.of() : List.of(ImageDecoder.decode(Path.of(item.image())));
        List<List<RgbImage>> videos = item.video() == null ? List.of()
                : List.of(VideoDecoder.decode(Path.of(item.video()), llava.model().frameSampler()));
        String text = llava.newChat(spec.convMode()).send(item.text(), images, videos, spec.sampling(item.questionId()), null).text();
        ObjectNode row = Json.MAPPER.createObjectNode();
        row.set("question_id", Json.MAPPER.readTree(item.questionIdJson()));
        row.put("prompt", item.text()).put("text", text)
                .put("answer_id", AnswerEngine.answerId(modelId, item.questionId())).put("model_id", modelId);
        row.putObject("metadata");
        return Json.MAPPER.writeValueAsString(row);
    }

    /** The errors-file row of a bad item. */
    static String error(BatchItem item, Exception e) throws IOException {
        ObjectNode row = Json.MAPPER.createObjectNode();
        row.set("question_id", Json.MAPPER.readTree(item.questionIdJson()));
        if (item.image() != null) row.put("image", item.image());
        if (item.video() != null) row.put("video", item.video());
        String reason = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        row.put("reason", reason.replace('\n', ' '));
        return Json.MAPPER.writeValueAsString(row);
    }
}
