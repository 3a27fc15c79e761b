package io.llava4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real server on loopback with the tiny fixture: parameters, streaming, media parts, errors, a burst. */
class OpenAiServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static OpenAiServer server;
    static final HttpClient http = HttpClient.newHttpClient();
    static final Path MODEL = Fixtures.dir("llava-1.5-tiny");
    static final String KEY = "sk-test";

    @BeforeAll
    static void start() throws Exception {
        server = new OpenAiServer(MODEL, LoadOptions.defaults(), ServerConfig.defaults().withPort(0).withApiKeys(Set.of(KEY))
                .withLimits(2_000_000, 1_000_000, 4)).start();
        assertTrue(server.awaitReady(60_000), "model loads");
    }

    @AfterAll
    static void stop() { server.close(); }

    static String url(String path) { return "http://127.0.0.1:" + server.port() + path; }

    static HttpResponse<String> post(String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url("/v1/chat/completions"))).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
    void healthModelsAndMetrics() throws Exception {
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(url("/health"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(url("/v1/models"))).header("Authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertEquals("llava-1.5-tiny", JSON.readTree(models.body()).get("data").get(0).get("id").asText());
        String metrics = http.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("llava4j_requests_total"), metrics);
    }

    @Test
    void chatPageIsServedFromTheJar() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(r.body().contains("/v1/chat/completions") && r.body().contains("stream: true"), "the page streams from the API");
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(url("/nope"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void nonStreamingAnswerEqualsTheEngine() throws Exception {
        HttpResponse<String> r = post(request("What is shown in this image?", List.of(dataUrl("img_landscape_200x150.png")), 8).toString(), KEY);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode o = JSON.readTree(r.body());
        assertEquals(engineGreedy("What is shown in this image?", "img_landscape_200x150.png", 8), o.get("choices").get(0).get("message").get("content").asText());
        assertEquals("length", o.get("choices").get(0).get("finish_reason").asText());
        assertEquals(8, o.get("usage").get("completion_tokens").asInt());
        assertTrue(o.get("usage").get("prompt_tokens").asInt() > 16);
    }

    static long metric(String name) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) if (line.startsWith(name + " ")) return Long.parseLong(line.substring(name.length() + 1).strip());
        throw new AssertionError(name + " missing from /metrics:\n" + body);
    }

    /** The same image sent again (as a follow-up turn resends it) is not re-encoded and gives the same answer. */
    @Test
    void aResentImageComesFromTheFeatureCache() throws Exception {
        String body = request("Describe the colours.", List.of(dataUrl("img_tiny_30x30.png")), 6).toString();
        HttpResponse<String> first = post(body, KEY);
        assertEquals(200, first.statusCode(), first.body());
        long hits = metric("llava4j_feature_cache_hits_total"), misses = metric("llava4j_feature_cache_misses_total");
        HttpResponse<String> second = post(body, KEY);
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(hits + 1, metric("llava4j_feature_cache_hits_total"));
        assertEquals(misses, metric("llava4j_feature_cache_misses_total"));
        assertEquals(JSON.readTree(first.body()).get("choices").get(0).get("message").get("content").asText(),
                JSON.readTree(second.body()).get("choices").get(0).get("message").get("content").asText());
        assertTrue(metric("llava4j_feature_cache_bytes") > 0);
    }

    @Test
    void streamingChunksConcatenateToTheAnswerWithUsage() throws Exception {
        ObjectNode req = request("What is shown in this image?", List.of(dataUrl("img_landscape_200x150.png")), 8).put("stream", true);
        req.putObject("stream_options").put("include_usage", true);
        HttpResponse<String> r = post(req.toString(), KEY);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        String finish = null;
        List<String> events = new ArrayList<>();
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
        assertEquals(engineGreedy("What is shown in this image?", "img_landscape_200x150.png", 8), text.toString());
        assertEquals("length", finish);
        assertEquals(8, usage.get("completion_tokens").asInt());
    }

    @Test
    void stopAndSeedAndMaxCompletionTokens() throws Exception {
        ObjectNode a = request("Hi", List.of(), 10).put("temperature", 1.0).put("seed", 3);
        String t1 = JSON.readTree(post(a.toString(), KEY).body()).get("choices").get(0).get("message").get("content").asText();
        String t2 = JSON.readTree(post(a.toString(), KEY).body()).get("choices").get(0).get("message").get("content").asText();
        assertEquals(t1, t2, "same seed, same answer");
        ObjectNode b = request("Hi", List.of(), 10);
        b.remove("max_tokens");
        b.put("max_completion_tokens", 3);
        assertEquals(3, JSON.readTree(post(b.toString(), KEY).body()).get("usage").get("completion_tokens").asInt());
        String full = JSON.readTree(post(request("Hi", List.of(), 10).toString(), KEY).body()).get("choices").get(0).get("message").get("content").asText();
        String stopAt = full.substring(2, 4);
        ObjectNode c = request("Hi", List.of(), 10).put("stop", stopAt);
        JsonNode stopped = JSON.readTree(post(c.toString(), KEY).body()).get("choices").get(0);
        assertTrue(full.startsWith(stopped.get("message").get("content").asText()) && !stopped.get("message").get("content").asText().contains(stopAt), stopped.toString());
        assertEquals("stop", stopped.get("finish_reason").asText());
    }

    void assertError(HttpResponse<String> r, int status, String fragment) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e.get("message").asText().contains(fragment), e.toString());
        assertTrue(e.has("type"));
        System.out.println("[error " + status + "] " + e.get("message").asText());
    }

    @Test
    void badInputsAreAnsweredAndTheServerKeepsServing() throws Exception {
        assertError(post("{not json", KEY), 400, "not valid JSON");
        assertError(post(request("x", List.of("data:image/png;base64,@@@@"), 2).toString(), KEY), 400, "base64");
        String notImage = "data:image/png;base64," + Base64.getEncoder().encodeToString("hello, not an image".getBytes());
        assertError(post(request("x", List.of(notImage), 2).toString(), KEY), 400, "not a readable image");
        // a PNG header declaring 100000 x 100000 pixels: refused before decoding
        byte[] huge = hugePng();
        assertError(post(request("x", List.of("data:image/png;base64," + Base64.getEncoder().encodeToString(huge)), 2).toString(), KEY), 413, "pixels");
        ObjectNode twoImagesOneMarker = request("<image>\nx", List.of(dataUrl("img_tiny_30x30.png")), 2);
        assertError(post(twoImagesOneMarker.toString(), KEY), 400, "markers");
        assertError(post(request("x", List.of(), 2).put("model", "gpt-4").toString(), KEY), 404, "does not exist");
        assertError(post(request("x", List.of(), 2).toString(), null), 401, "missing API key");
        assertError(post(request("x", List.of(), 2).toString(), "wrong"), 401, "invalid API key");
        assertError(post("{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(2_100_000) + "\"}]}", KEY), 413, "larger than");
        assertError(post(request("x", List.of("file:///etc/passwd"), 2).toString(), KEY), 400, "not allowed");
        assertError(post(request("x", List.of("http://127.0.0.1:9/x.png"), 2).toString(), KEY), 400, "not allowed");
        ObjectNode video = JSON.createObjectNode().put("max_tokens", 2);
        video.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "video_url").putObject("video_url").put("url", "data:video/mp4;base64,AAAA");
        assertError(post(video.toString(), KEY), 400, "does not take videos");
        assertEquals(200, post(request("still serving?", List.of(), 2).toString(), KEY).statusCode());
    }

    static byte[] hugePng() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(100_000).putInt(100_000).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        byte[] body = ihdr.array();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("IHDR".getBytes());
        crc.update(body);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(13).array());
        out.write("IHDR".getBytes());
        out.write(body);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    @Test
    void aBurstOfConcurrentClientsGetsTheirOwnAnswers() throws Exception {
        String[] images = {"img_landscape_200x150.png", "img_portrait_120x240.png", "img_tiny_30x30.png"};
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<String[]>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String img = images[i % 3];
                fs.add(pool.submit((Callable<String[]>) () -> {
                    HttpResponse<String> r = post(request("Describe.", List.of(dataUrl(img)), 5).toString(), KEY);
                    if (r.statusCode() == 503) return new String[] {img, null};
                    return new String[] {img, JSON.readTree(r.body()).get("choices").get(0).get("message").get("content").asText()};
                }));
            }
            int answered = 0;
            for (Future<String[]> f : fs) {
                String[] r = f.get();
                if (r[1] == null) continue; // queue full (depth 4): a clean 503, nothing mixed up
                assertEquals(engineGreedy("Describe.", r[0], 5), r[1], "answer for " + r[0]);
                answered++;
            }
            assertTrue(answered >= 4, "answered " + answered);
        } finally {
            pool.shutdown();
        }
    }
}
