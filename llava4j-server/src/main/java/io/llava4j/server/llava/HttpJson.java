package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.llava4j.server.llava.LlavaProtocol.JSON;

/**
 * The little HTTP both sides need: reading a bounded JSON body, answering JSON (FastAPI's shapes: a handler that
 * returns nothing answers {@code null}, a failed one {@code {"detail": ...}}), and POSTing JSON to a peer.
 */
final class HttpJson {
    private HttpJson() {}

    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

    /** A request the peer could not act on: answered with this status and {@code {"detail": message}}. */
    static final class BadRequest extends RuntimeException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** The body as a JSON object; an empty body reads as {@code {}} (FastAPI endpoints that take no body). */
    static ObjectNode readObject(HttpExchange ex, long maxBytes) throws IOException {
        byte[] b;
        try (InputStream in = ex.getRequestBody()) {
            b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        if (b.length > maxBytes) throw new BadRequest(413, "request body is larger than " + maxBytes + " bytes");
        if (b.length == 0) return JSON.createObjectNode();
        JsonNode n;
        try {
            n = JSON.readTree(b);
        } catch (IOException e) {
            throw new BadRequest(400, "request body is not valid JSON");
        }
        if (n == null || !n.isObject()) throw new BadRequest(400, "request body must be a JSON object");
        return (ObjectNode) n;
    }

    static String requiredText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new BadRequest(400, "'" + field + "' must be a string");
        return v.asText();
    }

    static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    static void detail(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, JSON.createObjectNode().put("detail", message));
    }

    static boolean isPost(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equalsIgnoreCase("POST")) return true;
        ex.getResponseHeaders().set("Allow", "POST");
        detail(ex, 405, "Method Not Allowed");
        return false;
    }

    /** POSTs JSON and reads the whole answer as JSON (null when the body is empty or {@code null}). */
    static JsonNode post(String url, JsonNode body, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = CLIENT.send(request(url, body, timeout), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw new IOException(url + " answered HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        return r.body().length == 0 ? null : JSON.readTree(r.body());
    }

    /** POSTs JSON and returns the answer as a stream (the caller closes it). */
    static HttpResponse<InputStream> postStreaming(String url, JsonNode body) throws IOException, InterruptedException {
        return CLIENT.send(request(url, body, null), HttpResponse.BodyHandlers.ofInputStream());
    }

    static HttpRequest request(String url, JsonNode body, Duration timeout) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (timeout != null) b.timeout(timeout);
        return b.build();
    }

    /** Strips one trailing slash so {@code base + "/path"} is well formed. */
    static String base(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
