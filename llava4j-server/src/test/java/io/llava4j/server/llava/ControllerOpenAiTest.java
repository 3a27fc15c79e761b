package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static io.llava4j.server.llava.LlavaWire.HTTP;
import static io.llava4j.server.llava.LlavaWire.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The controller's OpenAI endpoint over two llava4j workers: answers equal the engine's greedy output; errors in OpenAI's shape. */
class ControllerOpenAiTest {
    static final Path MODEL = Fixtures.dir("llava-1.5-tiny");
    static VisionLanguageModel model1, model2;
    static Controller controller;
    static ModelWorker worker1, worker2;

    @BeforeAll
    static void start() throws Exception {
        model1 = ModelRegistry.load(MODEL, LoadOptions.defaults());
        model2 = ModelRegistry.load(MODEL, LoadOptions.defaults());
        controller = new Controller(ControllerConfig.defaults().withPort(0).withExpiration(Duration.ofSeconds(5))).start();
        WorkerConfig cfg = WorkerConfig.defaults(controller.url()).withPort(0).withHeartBeat(Duration.ofSeconds(1));
        worker1 = new ModelWorker(model1, "llava-1.5-tiny", cfg, GenerationBackend.serial()).start();
        worker2 = new ModelWorker(model2, "llava-1.5-tiny", cfg, GenerationBackend.batching(4, 4)).start();
    }

    @AfterAll
    static void stop() {
        worker1.close();
        worker2.close();
        controller.close();
        model1.close();
        model2.close();
    }

    static HttpResponse<String> chat(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(controller.url() + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String dataUrl(String file) throws Exception {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(MODEL.resolve("golden").resolve(file)));
    }

    static ObjectNode request(String text, List<String> imageUrls, int maxTokens) {
        ObjectNode r = JSON.createObjectNode().put("model", "llava-1.5-tiny").put("temperature", 0).put("max_tokens", maxTokens);
        ArrayNode content = r.putArray("messages").addObject().put("role", "user").putArray("content");
        for (String u : imageUrls) content.addObject().put("type", "image_url").putObject("image_url").put("url", u);
        content.addObject().put("type", "text").put("text", text);
        return r;
    }

    static String engineGreedy(String text, String image, int maxTokens) {
        try (Llava4j llava = Llava4j.load(MODEL)) {
            return llava.newChat().send(text, List.of(ImageDecoder.decode(MODEL.resolve("golden").resolve(image))),
                    SamplingParams.greedy().withMaxNewTokens(maxTokens), null).text();
        }
    }

    @Test
    void modelsAreTheWorkersModels() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(controller.url() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode data = JSON.readTree(r.body()).get("data");
        assertEquals(1, data.size());
        assertEquals("llava-1.5-tiny", data.get(0).get("id").asText());
    }

    @Test
    void aCompletionThroughTheControllerEqualsTheEngine() throws Exception {
        String expected = engineGreedy("What is shown in this image?", "img_landscape_200x150.png", 8);
        for (int i = 0; i < 2; i++) { // either worker may serve it: the answer is the same
            HttpResponse<String> r = chat(request("What is shown in this image?", List.of(dataUrl("img_landscape_200x150.png")), 8).toString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode o = JSON.readTree(r.body());
            assertEquals("chat.completion", o.get("object").asText());
            assertEquals(expected, o.get("choices").get(0).get("message").get("content").asText());
            assertEquals("length", o.get("choices").get(0).get("finish_reason").asText());
            assertEquals(8, o.get("usage").get("completion_tokens").asInt());
            assertTrue(o.get("usage").get("prompt_tokens").asInt() > 16);
        }
    }

    @Test
    void streamingDeltasConcatenateToTheEngineAnswer() throws Exception {
        ObjectNode req = request("Describe the colours.", List.of(dataUrl("img_tiny_30x30.png")), 6).put("stream", true);
        req.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> r = chat(req.toString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        StringBuilder text = new StringBuilder();
        List<String> events = new ArrayList<>();
        String finish = null;
        JsonNode usage = null;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: ")) continue;
            String d = line.substring(6);
            events.add(d);
            if (d.equals("[DONE]")) continue;
            JsonNode o = JSON.readTree(d);
            if (o.has("usage")) usage = o.get("usage");
            if (o.get("choices").isEmpty()) continue;
            JsonNode c = o.get("choices").get(0);
            text.append(c.get("delta").path("content").asText(""));
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").asText();
        }
        assertEquals("[DONE]", events.getLast());
        assertTrue(events.size() >= 5, "deltas, not one block: " + events.size());
        assertEquals(engineGreedy("Describe the colours.", "img_tiny_30x30.png", 6), text.toString());
        assertEquals("length", finish);
        assertEquals(6, usage.get("completion_tokens").asInt());
    }

    void assertError(HttpResponse<String> r, int status, String fragment) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e.get("message").asText().contains(fragment), e.toString());
        System.out.println("[controller error " + status + "] " + e.get("message").asText());
    }

    @Test
    void badRequestsGetOpenAiErrors() throws Exception {
        assertError(chat("{not json"), 400, "not valid JSON");
        assertError(chat(request("x", List.of(), 2).put("model", "gpt-4").toString()), 404, "does not exist");
        assertError(chat(request("x", List.of("file:///etc/passwd"), 2).toString()), 400, "data: URLs");
        assertError(chat(request("x", List.of("http://127.0.0.1:9/x.png"), 2).toString()), 400, "data: URLs");
        assertError(chat(request("x", List.of("data:image/png;base64,@@@@"), 2).toString()), 400, "base64");
        String notImage = "data:image/png;base64," + Base64.getEncoder().encodeToString("hello, not an image".getBytes());
        assertError(chat(request("x", List.of(notImage), 2).toString()), 400, "not a readable image");
        assertError(chat(request("<image>\nx", List.of(dataUrl("img_tiny_30x30.png")), 2).toString()), 400, "Number of images");
        ObjectNode video = JSON.createObjectNode().put("max_tokens", 2);
        video.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "video_url")
                .putObject("video_url").put("url", "data:video/mp4;base64,AAAA");
        assertError(chat(video.toString()), 400, "video");
        assertError(chat(request("x", List.of(), 0).toString()), 400, "max_tokens");
        assertEquals(200, chat(request("still serving?", List.of(dataUrl("img_tiny_30x30.png")), 2).toString()).statusCode());
    }
}
