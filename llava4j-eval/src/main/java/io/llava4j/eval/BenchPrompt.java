package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;

/**
 * One generation request of a benchmark, built as the seed's generate script builds it. The runner renders it with a
 * chat template (or, when {@link #rawPrompt} is set, uses that complete upstream conversation text) and turns the
 * model's text into an answer row with {@link BenchmarkPrompts#answerRow}.
 *
 * @param key            unique per request within the benchmark (resume key: question id, plus the round for MMBench)
 * @param userText       the user turn's text without the media marker (the runner puts the image/video first)
 * @param recordedPrompt the answer row's {@code prompt} field as the seed's script writes it
 * @param system         a system message, or null for the template's own
 * @param answerPrefix   text the assistant turn starts with (PLLaVA's "Best option:("), or null
 * @param rawPrompt      the whole prompt as the upstream conversation class renders it, {@link #MEDIA} where the media
 *                       goes; null to use a chat template
 * @param media          the image or video, or null
 * @param item           the source item (question row, TSV row, MVBench doc...) for the answer row
 * @param fields         extra answer-row fields (MMBench round_id, options, option_char...)
 */
public record BenchPrompt(String key, JsonNode questionId, String userText, String recordedPrompt, String system,
                          String answerPrefix, String rawPrompt, Media media, JsonNode item, ObjectNode fields) {
    /** Where the media goes in a {@link #rawPrompt}. */
    public static final String MEDIA = "<image>";

    /** The image or video of a request. */
    public sealed interface Media permits ImageFile, ImageBytes, Video {}

    /** An image file. */
    public record ImageFile(Path path) implements Media {}

    /** An image given inline (MMBench's base64 TSV cells). */
    public record ImageBytes(byte[] bytes) implements Media {}

    /** A video file or a folder of frame images; start/end in seconds, or null for the whole video. */
    public record Video(Path path, Double start, Double end) implements Media {}
}
