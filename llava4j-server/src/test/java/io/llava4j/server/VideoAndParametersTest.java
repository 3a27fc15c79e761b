package io.llava4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Chat;
import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.media.VideoDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A video model (LLaVA-NeXT-Video fixture) behind the server: video_url parts as data: URLs and as file:// under
 * --media-dir, a video and an image in one request, top_p / temperature / seed, a system message and a multi-turn
 * history; answers equal the engine's for the same input. Bad video input is a 400 and the server keeps serving.
 */
class VideoAndParametersTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();
    static final Path MODEL = Fixtures.dir("llava-next-video-tiny");
    static final Path VIDEO = MODEL.resolve("golden/video_8f_64x48.mp4");
    static final Path IMAGE = MODEL.resolve("golden/img_landscape_200x150.png");
    static OpenAiServer server;
    static Llava4j engine;

    @BeforeAll
    static void start() throws Exception {
        server = new OpenAiServer(MODEL, LoadOptions.defaults(), ServerConfig.defaults().withPort(0).withMedia(MODEL.resolve("golden"), false)).start();
        assertTrue(server.awaitReady(60_000), "model loads");
        engine = Llava4j.load(MODEL);
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    static ObjectNode request(int maxTokens, ObjectNode... parts) {
        ObjectNode r = JSON.createObjectNode().put("model", "llava-next-video-tiny").put("temperature", 0).put("max_tokens", maxTokens);
        ArrayNode content = r.putArray("messages").addObject().put("role", "user").putArray("content");
        for (ObjectNode p : parts) content.add(p);
        return r;
    }

    static ObjectNode part(String type, String url) {
        ObjectNode p = JSON.createObjectNode().put("type", type);
        p.putObject(type).put("url", url);
        return p;
    }

    static ObjectNode text(String t) { return JSON.createObjectNode().put("type", "text").put("text", t); }

    static String dataUrl(Path p, String mime) throws Exception {
        return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(p));
    }

    static HttpResponse<String> post(ObjectNode body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String content(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("choices").get(0).get("message").get("content").asText();
    }

    String engineAnswer(String question, List<Path> videos, List<Path> images, SamplingParams params) {
        List<List<RgbImage>> frames = videos.stream().map(v -> VideoDecoder.decode(v, engine.model().frameSampler())).toList();
        List<RgbImage> imgs = images.stream().map(ImageDecoder::decode).toList();
        return engine.newChat().send(question, imgs, frames, params, null).text();
    }

    @Test
    @Timeout(120)
    void videoPartsAsDataAndFileUrls() throws Exception {
        String expected = engineAnswer("What happens in this video?", List.of(VIDEO), List.of(), SamplingParams.greedy().withMaxNewTokens(8));
        String viaData = content(post(request(8, part("video_url", dataUrl(VIDEO, "video/mp4")), text("What happens in this video?"))));
        assertEquals(expected, viaData);
        String viaFile = content(post(request(8, part("video_url", VIDEO.toUri().toString()), text("What happens in this video?"))));
        assertEquals(expected, viaFile, "file:// under --media-dir");
        System.out.println("[video] " + viaData);

        String both = engineAnswer("Compare the video and the picture.", List.of(VIDEO), List.of(IMAGE), SamplingParams.greedy().withMaxNewTokens(8));
        assertEquals(both, content(post(request(8, part("video_url", dataUrl(VIDEO, "video/mp4")), part("image_url", dataUrl(IMAGE, "image/png")),
                text("Compare the video and the picture.")))), "a video and an image in one message");

        HttpResponse<String> bad = post(request(4, part("video_url", "data:video/mp4;base64," + Base64.getEncoder().encodeToString("not a video".getBytes())), text("?")));
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(JSON.readTree(bad.body()).get("error").get("message").asText().contains("not a readable video"), bad.body());
        HttpResponse<String> outside = post(request(4, part("video_url", Path.of("/etc/hostname").toUri().toString()), text("?")));
        assertEquals(400, outside.statusCode(), outside.body());
        assertTrue(outside.body().contains("outside the allowed media folder") || outside.body().contains("not found"), outside.body());
        assertEquals(expected, content(post(request(8, part("video_url", dataUrl(VIDEO, "video/mp4")), text("What happens in this video?")))), "still serving");
    }

    @Test
    @Timeout(120)
    void samplingParametersSystemMessageAndHistory() throws Exception {
        ObjectNode sampled = request(12, text("Tell me something.")).put("temperature", 0.8).put("top_p", 0.9).put("seed", 7);
        String a = content(post(sampled)), b = content(post(sampled));
        assertEquals(a, b, "same seed, same answer");
        String c = content(post(sampled.deepCopy().put("seed", 8)));
        String greedy = content(post(request(12, text("Tell me something."))));
        assertTrue(!a.equals(c) || !a.equals(greedy), "seed and temperature change the answer");
        ObjectNode narrow = sampled.deepCopy().put("top_p", 1e-6);
        assertEquals(greedy, content(post(narrow)), "top_p that keeps one token is greedy");

        // system message, a previous turn as plain strings, then the question
        ObjectNode hist = JSON.createObjectNode().put("temperature", 0).put("max_completion_tokens", 6);
        ArrayNode msgs = hist.putArray("messages");
        msgs.addObject().put("role", "system").put("content", "You are terse.");
        msgs.addObject().put("role", "user").put("content", "Hi");
        msgs.addObject().put("role", "assistant").put("content", "Hello.");
        msgs.addObject().put("role", "user").put("content", "How are you?");
        HttpResponse<String> r = post(hist);
        JsonNode o = JSON.readTree(r.body());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(o.get("usage").get("completion_tokens").asInt() <= 6);
        ObjectNode noHistory = JSON.createObjectNode().put("temperature", 0).put("max_completion_tokens", 6);
        noHistory.putArray("messages").addObject().put("role", "user").put("content", "How are you?");
        assertTrue(o.get("usage").get("prompt_tokens").asInt() > JSON.readTree(post(noHistory).body()).get("usage").get("prompt_tokens").asInt(),
                "the history is part of the prompt");
        HttpResponse<String> badRole = post((ObjectNode) JSON.readTree("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"));
        assertEquals(400, badRole.statusCode());
        assertNotEquals(-1, badRole.body().indexOf("not supported"));
    }
}
