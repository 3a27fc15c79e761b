package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The judge path against a stub OpenAI-compatible server on loopback that replays the fixture's recorded judge
 * replies (malformed first attempts included) and fails once with 503: same metrics as the official run, retries,
 * re-asks, and a cache that makes re-scoring free.
 */
class JudgeClientTest {
    @TempDir Path tmp;

    @Test
    void liveJudgeGivesTheOfficialMetricsAndCachesReplies() throws Exception {
        Path fixture = OfficialMetricsTest.eval().resolve("videochatgpt_qa");
        JsonNode replies = Jsonl.json(fixture.resolve("judge_responses.json"));
        JsonNode preds = Jsonl.json(fixture.resolve("pred_activitynet_qa.json"));
        List<String> predTexts = new ArrayList<>();
        preds.forEach(p -> predTexts.add(p.get("pred").asText()));
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger failOnce = new AtomicInteger(1);
        java.util.Map<Integer, Integer> asked = new java.util.concurrent.ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            requests.incrementAndGet();
            JsonNode body = Jsonl.MAPPER.readTree(ex.getRequestBody().readAllBytes());
            if (failOnce.getAndDecrement() > 0) {
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            String user = body.get("messages").get(1).get("content").asText();
            // find the item by its predicted answer line, then replay first or retry reply
            int item = -1;
            for (int i = 0; i < predTexts.size(); i++) {
                if (user.contains("Predicted Answer: " + predTexts.get(i) + "\n") && !asked.containsKey(i)) { item = i; break; }
            }
            if (item < 0) for (int i = 0; i < predTexts.size(); i++) if (user.contains("Predicted Answer: " + predTexts.get(i) + "\n")) item = i;
            int attempt = asked.merge(item, 1, Integer::sum) - 1;
            String reply = (attempt == 0 ? replies.get("first_attempt") : replies.get("retry_attempt")).get(item).asText();
            ObjectNode resp = Jsonl.MAPPER.createObjectNode();
            resp.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", reply);
            byte[] out = Jsonl.MAPPER.writeValueAsBytes(resp);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        try {
            Path data = tmp.resolve("vqa");
            Files.createDirectories(data);
            Files.copy(fixture.resolve("pred_activitynet_qa.json"), data.resolve("pred_activitynet_qa.json"));
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            JudgeClient judge = new JudgeClient(url, "gpt-3.5-turbo", "test-key", data.resolve("judge_cache.jsonl"), 3, 10);
            ObjectNode m = Scorers.get("videochatgpt_qa").score(data, new Scorer.ScoreOptions(null, judge));
            JsonNode e = OfficialMetricsTest.expected("videochatgpt_qa");
            OfficialMetricsTest.exact("live judge accuracy", e.get("accuracy").asDouble(), m.get("accuracy").asDouble());
            OfficialMetricsTest.exact("live judge average_score", e.get("average_score").asDouble(), m.get("average_score").asDouble());
            assertEquals(e.get("judge_calls").asInt(), m.get("judge_calls").asInt());
            assertTrue(m.get("malformed_replies").asInt() > 0, "malformed replies are counted");
            assertEquals(e.get("judge_calls").asInt() + 1, requests.get(), "one 503 retried");
            assertEquals(VideoChatGptQaScorer.SYSTEM.length(), 498, "the official system prompt");

            int before = requests.get();
            JudgeClient again = new JudgeClient(url, "gpt-3.5-turbo", "test-key", data.resolve("judge_cache.jsonl"), 3, 10);
            ObjectNode m2 = Scorers.get("videochatgpt_qa").score(data, new Scorer.ScoreOptions(null, again));
            assertEquals(m.toString(), m2.toString());
            assertEquals(before, requests.get(), "re-scoring is served from the cache");
            assertEquals(0, again.httpCalls());
        } finally {
            server.stop(0);
        }
    }
}
