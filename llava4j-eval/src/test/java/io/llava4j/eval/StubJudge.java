package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An OpenAI-compatible chat-completions server on loopback for judge tests: answers each request body with the reply
 * the test's function chooses, fails the first {@code failFirst} requests with HTTP 503, and records every body.
 */
final class StubJudge implements AutoCloseable {
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    StubJudge(int failFirst, Function<JsonNode, String> reply) throws Exception {
        AtomicInteger failures = new AtomicInteger(failFirst);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            JsonNode body = Jsonl.MAPPER.readTree(ex.getRequestBody().readAllBytes());
            requests.add(body);
            if (failures.getAndDecrement() > 0) {
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            ObjectNode resp = Jsonl.MAPPER.createObjectNode();
            resp.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", reply.apply(body));
            byte[] out = Jsonl.MAPPER.writeValueAsBytes(resp);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1"; }

    /** The last message's content of a request. */
    static String lastContent(JsonNode body) {
        JsonNode m = body.get("messages");
        return m.get(m.size() - 1).get("content").asText();
    }

    @Override public void close() { server.stop(0); }
}
