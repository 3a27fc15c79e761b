package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An LLM judge behind any OpenAI-compatible chat completions endpoint (the JDK HTTP client, no SDK): temperature 0,
 * retries with exponential backoff on network errors, 429 and 5xx, and a response cache (a JSON-lines file) so that
 * re-scoring costs nothing. The cache key covers the model, the messages and the attempt number, so asking again
 * after a malformed reply really asks again.
 */
public final class JudgeClient {
    /** A chat message. */
    public record Message(String role, String content) {}

    private final URI endpoint;
    private final String model, apiKey;
    private final Path cacheFile;
    private final int maxRetries;
    private final long backoffMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    private int httpCalls;

    /**
     * @param baseUrl e.g. {@code http://127.0.0.1:8000/v1} ({@code /chat/completions} is appended)
     * @param apiKey  may be null (no Authorization header)
     * @param cacheFile may be null (no cache)
     */
    public JudgeClient(String baseUrl, String model, String apiKey, Path cacheFile, int maxRetries, long backoffMillis) throws IOException {
        String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(b + "/chat/completions");
        this.model = model;
        this.apiKey = apiKey;
        this.cacheFile = cacheFile;
        this.maxRetries = maxRetries;
        this.backoffMillis = backoffMillis;
        if (cacheFile != null && Files.exists(cacheFile)) {
            for (String line : Files.readAllLines(cacheFile, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = Jsonl.MAPPER.readTree(line);
                    cache.put(n.get("key").asText(), n.get("reply").asText());
                } catch (Exception e) {
                    // a line cut by a kill: ignored
                }
            }
        }
    }

    /** HTTP requests made by this client (cache hits excluded). */
    public int httpCalls() { return httpCalls; }

    public String model() { return model; }

    /** The judge's reply text for these messages (attempt distinguishes re-asks in the cache). */
    public synchronized String complete(List<Message> messages, int attempt) throws IOException, InterruptedException {
        return complete(messages, attempt, 0.0, null);
    }

    /**
     * The judge's reply with the sampling the official script asks for (e.g. LLaVA-Bench: temperature 0.2,
     * max_tokens 1024; MM-Vet: max_tokens 3). Both are part of the cache key.
     *
     * @param temperature null to leave it out of the request (the server's default, for scripts that set none)
     * @param maxTokens null to leave the server's default
     */
    public synchronized String complete(List<Message> messages, int attempt, Double temperature, Integer maxTokens) throws IOException, InterruptedException {
        ObjectNode body = Jsonl.MAPPER.createObjectNode().put("model", model);
        if (temperature != null && temperature == 0) body.put("temperature", 0);
        else if (temperature != null) body.put("temperature", temperature);
        if (maxTokens != null) body.put("max_tokens", maxTokens);
        ArrayNode msgs = body.putArray("messages");
        for (Message m : messages) msgs.addObject().put("role", m.role()).put("content", m.content());
        String json = Jsonl.MAPPER.writeValueAsString(body);
        String key = sha256(json + "\u0000" + attempt);
        String cached = cache.get(key);
        if (cached != null) return cached;
        IOException last = null;
        for (int tryNo = 0; tryNo <= maxRetries; tryNo++) {
            if (tryNo > 0) Thread.sleep(Math.min(30_000, backoffMillis << (tryNo - 1)));
            HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(120))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
            if (apiKey != null && !apiKey.isBlank()) rb.header("Authorization", "Bearer " + apiKey);
            try {
                httpCalls++;
                HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 429 || r.statusCode() >= 500) {
                    last = new IOException("judge answered HTTP " + r.statusCode());
                    continue;
                }
                if (r.statusCode() != 200) throw new EvalException("judge at " + endpoint + " answered HTTP " + r.statusCode() + ": " + firstLine(r.body()));
                JsonNode content = Jsonl.MAPPER.readTree(r.body()).path("choices").path(0).path("message").path("content");
                if (!content.isTextual()) throw new EvalException("judge reply has no choices[0].message.content: " + firstLine(r.body()));
                String reply = content.asText();
                cache.put(key, reply);
                if (cacheFile != null) {
                    ObjectNode line = Jsonl.MAPPER.createObjectNode().put("key", key).put("reply", reply);
                    Files.writeString(cacheFile, Jsonl.MAPPER.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
                return reply;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new EvalException("judge at " + endpoint + " failed after " + (maxRetries + 1) + " tries: " + (last == null ? "?" : last.getMessage()));
    }

    private static String firstLine(String s) { return s == null ? "" : s.lines().findFirst().orElse("").strip(); }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
