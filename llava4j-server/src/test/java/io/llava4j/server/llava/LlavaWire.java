package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A client that talks as LLaVA's own Python clients do (gradio_web_server.py, test_message.py, model_worker.py):
 * requests.post(url, json=...) and response.iter_lines(delimiter=b"\0") on the generation stream.
 */
final class LlavaWire {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    record Raw(int status, byte[] body) {}

    record Stream(int status, byte[] raw, List<JsonNode> frames) {
        JsonNode last() { return frames.getLast(); }
    }

    static Raw postRaw(String url, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("User-Agent", "LLaVA Client");
        if (body == null) b.POST(HttpRequest.BodyPublishers.noBody()); // requests.post(url) with no json
        else b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Raw(r.statusCode(), r.body());
    }

    /** POST and parse the JSON answer (FastAPI's "null" reads as a JSON null node). */
    static JsonNode post(String url, Object json) throws Exception {
        Raw r = postRaw(url, json == null ? null : JSON.writeValueAsString(json));
        if (r.status() != 200) throw new AssertionError(url + " answered " + r.status() + ": " + new String(r.body()));
        return JSON.readTree(r.body());
    }

    /** A generation stream split on NUL as iter_lines(delimiter=b"\0") does (empty pieces dropped). */
    static Stream stream(String url, Object json) throws Exception {
        Raw r = postRaw(url, JSON.writeValueAsString(json));
        List<JsonNode> frames = new ArrayList<>();
        FrameReader reader = new FrameReader(new ByteArrayInputStream(r.body()));
        for (byte[] f; (f = reader.next()) != null; ) frames.add(JSON.readTree(f));
        return new Stream(r.status(), r.body(), frames);
    }
}
