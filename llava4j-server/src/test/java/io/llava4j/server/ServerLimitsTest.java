package io.llava4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.file.Path;

import static io.llava4j.server.VideoAndParametersTest.dataUrl;
import static io.llava4j.server.VideoAndParametersTest.part;
import static io.llava4j.server.VideoAndParametersTest.text;
import static org.junit.jupiter.api.Assertions.*;

/** The configurable request limits (serve --max-media, --max-prompt-tokens, --max-output-tokens, --max-video-frames, --max-video-seconds). */
class ServerLimitsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path MODEL = Fixtures.dir("llava-next-video-tiny");
    static final Path VIDEO = MODEL.resolve("golden/video_8f_64x48.mp4");
    static final HttpClient http = HttpClient.newHttpClient();
    static OpenAiServer frames, seconds;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig base = ServerConfig.defaults().withPort(0);
        frames = new OpenAiServer(MODEL, LoadOptions.defaults(), base.withLimits(1, 64, 4, 4, 3600)).start();
        seconds = new OpenAiServer(MODEL, LoadOptions.defaults(), base.withLimits(8, 16_384, 4096, 100_000, 0.01)).start();
        assertTrue(frames.awaitReady(60_000) && seconds.awaitReady(60_000), "models load");
    }

    @AfterAll
    static void stop() {
        frames.close();
        seconds.close();
    }

    static ObjectNode request(int maxTokens, ObjectNode... parts) {
        ObjectNode r = JSON.createObjectNode().put("temperature", 0).put("max_tokens", maxTokens);
        var content = r.putArray("messages").addObject().put("role", "user").putArray("content");
        for (ObjectNode p : parts) content.add(p);
        return r;
    }

    static void expect400(OpenAiServer s, ObjectNode body, String messagePart) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        String msg = JSON.readTree(r.body()).get("error").get("message").asText();
        System.out.println("[limit] " + msg);
        assertTrue(msg.contains(messagePart), msg);
    }

    @Test
    @Timeout(120)
    void eachLimitIsEnforcedWithAClearMessage() throws Exception {
        String video = dataUrl(VIDEO, "video/mp4");
        expect400(frames, request(2, part("video_url", video), text("What happens?")), "more than 4 frames");
        expect400(seconds, request(2, part("video_url", video), text("What happens?")), "more than the limit of");
        expect400(frames, request(2, part("video_url", video), part("video_url", video), text("Compare.")), "too many media items: 2 (limit 1)");
        expect400(frames, request(5, text("Hello")), "max_tokens must be in [1, 4]");
        expect400(frames, request(2, text("word ".repeat(200))), "the limit is 64");
    }
}
