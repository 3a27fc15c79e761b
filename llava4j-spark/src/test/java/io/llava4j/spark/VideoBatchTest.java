package io.llava4j.spark;

import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.media.VideoDecoder;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Video items: executors decode the video with the model's frame sampler, as the engine does for one request. */
class VideoBatchTest {
    @TempDir Path tmp;

    @Test
    void videoAndImageItemsOnAVideoModel() throws Exception {
        Path model = Fixtures.dir("video-llava-tiny"), golden = model.resolve("golden");
        Path questions = tmp.resolve("q.jsonl");
        Files.write(questions, List.of(
                "{\"question_id\": \"v1\", \"video\": \"video_8f_64x48.mp4\", \"text\": \"Why is this video funny?\"}",
                "{\"question_id\": \"i1\", \"image\": \"img_tiny_30x30.png\", \"text\": \"What is shown?\"}"));
        List<BatchItem> items = BatchInput.read(questions, golden, null);
        Map<String, String> expected = new HashMap<>();
        try (Llava4j llava = Llava4j.load(model)) {
            SamplingParams greedy = SamplingParams.greedy().withMaxNewTokens(BatchFixtures.MAX_NEW_TOKENS);
            List<RgbImage> frames = VideoDecoder.decode(golden.resolve("video_8f_64x48.mp4"), llava.model().frameSampler());
            expected.put("v1", llava.newChat().send("Why is this video funny?", List.of(), List.of(frames), greedy, null).text());
            expected.put("i1", llava.newChat().send("What is shown?", List.of(ImageDecoder.decode(golden.resolve("img_tiny_30x30.png"))), greedy, null).text());
        }
        Path out = tmp.resolve("out");
        BatchSpec spec = BatchSpec.greedy(model, BatchFixtures.MAX_NEW_TOKENS, out);
        BatchJob.Summary s = BatchJob.run(spec, items, 1, "local[2]", 2, BatchFixtures.TEST_CONF, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(2, s.answered());
        var rows = BatchFixtures.answerRows(out);
        assertEquals(List.of("v1", "i1"), rows.stream().map(r -> r.get("question_id").asText()).toList());
        for (var row : rows) assertEquals(expected.get(row.get("question_id").asText()), row.get("text").asText());
        assertEquals("video-llava-tiny", rows.get(0).get("model_id").asText());
    }
}
