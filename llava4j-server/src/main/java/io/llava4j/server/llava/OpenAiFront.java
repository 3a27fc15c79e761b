package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.llava4j.server.ApiException;
import io.llava4j.server.OpenAiChatRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static io.llava4j.server.llava.LlavaProtocol.JSON;

/**
 * The controller's OpenAI endpoint: GET /v1/models lists the workers' models; POST /v1/chat/completions picks a
 * worker by the controller's dispatch method, has it render the chat template ({@code /worker_render_prompt}, a
 * llava4j worker extension), streams {@code /worker_generate_stream} and turns its cumulative frames into an OpenAI
 * completion or SSE deltas. Images must be data: URLs (the controller reads no files or remote URLs); video parts
 * are refused (the LLaVA protocol carries images only).
 */
final class OpenAiFront {
    private static final Duration RENDER_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_TOKENS_LIMIT = 4096;

    private final WorkerRegistry registry;
    private final long maxRequestBytes;

    OpenAiFront(WorkerRegistry registry, long maxRequestBytes) {
        this.registry = registry;
        this.maxRequestBytes = maxRequestBytes;
    }

    void models(HttpExchange ex) throws IOException {
        try {
            if (!ex.getRequestMethod().equalsIgnoreCase("GET")) throw new ApiException(405, "invalid_request_error", "method_not_allowed", "use GET");
            ObjectNode o = JSON.createObjectNode().put("object", "list");
            ArrayNode data = o.putArray("data");
            for (String m : registry.models()) data.addObject().put("id", m).put("object", "model").put("created", 0).put("owned_by", "llava4j");
            HttpJson.send(ex, 200, o);
        } catch (ApiException e) {
            error(ex, e);
        }
    }

    void chat(HttpExchange ex) throws IOException {
        boolean streaming = false;
        try {
            if (!ex.getRequestMethod().equalsIgnoreCase("POST")) throw new ApiException(405, "invalid_request_error", "method_not_allowed", "use POST");
            OpenAiChatRequest req = OpenAiChatRequest.parse(body(ex), "<video>");
            String model = model(req);
            ArrayNode images = JSON.createArrayNode();
            for (OpenAiChatRequest.MediaRef ref : req.media()) {
                if (ref.kind() != OpenAiChatRequest.MediaKind.IMAGE) throw badRequest("video parts are not supported through the LLaVA controller (its protocol carries images only)");
                images.add(base64Payload(ref.url()));
            }
            int maxTokens = req.maxTokens(512, MAX_TOKENS_LIMIT);
            String worker = registry.pick(model);
            if (worker.isEmpty()) throw new ApiException(503, "server_error", "no_worker", "no worker is available for model '" + model + "'");
            worker = HttpJson.base(worker);
            JsonNode rendered = render(worker, req);
            String prompt = rendered.path("prompt").asText();
            ObjectNode params = JSON.createObjectNode().put("model", model).put("prompt", prompt);
            params.set("images", images);
            params.put("temperature", req.temperature()).put("top_p", req.topP()).put("max_new_tokens", maxTokens)
                    .put("repetition_penalty", req.repetitionPenalty());
            ArrayNode stops = params.putArray("stop");
            req.stop().forEach(stops::add);
            rendered.path("stop").forEach(s -> { if (!req.stop().contains(s.asText())) stops.add(s.asText()); });
            if (req.seed() != null) params.put("seed", req.seed());
            HttpResponse<InputStream> r;
            try {
                r = HttpJson.postStreaming(worker + "/worker_generate_stream", params);
            } catch (IOException | InterruptedException e) {
                throw new ApiException(502, "server_error", "worker_unreachable", "worker " + worker + " did not answer: " + e.getMessage());
            }
            try (InputStream in = r.body()) {
                FrameReader frames = new FrameReader(in);
                if (r.statusCode() != 200) {
                    byte[] f = frames.next();
                    String why = f == null ? "HTTP " + r.statusCode() : JSON.readTree(f).path("text").asText();
                    int status = r.statusCode() == 400 || r.statusCode() == 413 || r.statusCode() == 503 ? r.statusCode() : 502;
                    throw new ApiException(status, status == 503 ? "server_error" : status == 502 ? "server_error" : "invalid_request_error", null, why);
                }
                String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
                long created = System.currentTimeMillis() / 1000;
                Relay relay = new Relay(ex, frames, prompt, model, id, created, req.stream(), req.includeUsage());
                streaming = req.stream();
                relay.run();
            }
        } catch (ApiException e) {
            if (!streaming) error(ex, e);
        } finally {
            ex.close();
        }
    }

    private byte[] body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
            if (b.length > maxRequestBytes) throw new ApiException(413, "invalid_request_error", "request_too_large", "request body is larger than " + maxRequestBytes + " bytes");
            return b;
        }
    }

    /** The requested model; with none named and exactly one served, that one. */
    private String model(OpenAiChatRequest req) {
        List<String> served = registry.models();
        String m = req.model();
        if (m == null || m.isEmpty()) {
            if (served.size() == 1) return served.getFirst();
            throw badRequest("'model' is required (served: " + served + ")");
        }
        if (!served.contains(m)) throw new ApiException(404, "invalid_request_error", "model_not_found", "model '" + m + "' does not exist (served: " + served + ")");
        return m;
    }

    /** The base64 text of a data: URL, checked; any other scheme is refused (the controller fetches nothing). */
    private static String base64Payload(String url) {
        if (!url.startsWith("data:")) throw badRequest("the controller accepts images only as data: URLs (base64)");
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) throw badRequest("media data: URL must be base64 (data:<type>;base64,...)");
        String b64 = url.substring(comma + 1).replaceAll("\\s+", "");
        try {
            Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw badRequest("media data: URL is not valid base64");
        }
        return b64;
    }

    private static JsonNode render(String worker, OpenAiChatRequest req) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode msgs = body.putArray("messages");
        for (OpenAiChatRequest.Turn t : req.messages()) msgs.addObject().put("role", t.role()).put("content", t.text());
        try {
            JsonNode r = HttpJson.post(worker + "/worker_render_prompt", body, RENDER_TIMEOUT);
            if (r == null || !r.path("prompt").isTextual()) throw new IOException("no 'prompt' in the answer");
            return r;
        } catch (IOException | InterruptedException e) {
            throw new ApiException(502, "server_error", "worker_cannot_render", "worker " + worker
                    + " did not render the chat prompt (only llava4j workers offer /worker_render_prompt): " + e.getMessage());
        }
    }

    /** Reads the worker's cumulative frames and answers the client, whole or as SSE deltas. */
    private record Relay(HttpExchange ex, FrameReader frames, String prompt, String model, String id, long created,
                         boolean stream, boolean includeUsage) {
        void run() throws IOException {
            OutputStream out = null;
            if (stream) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                ex.sendResponseHeaders(200, 0);
                out = ex.getResponseBody();
                chunk(out, JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
            }
            String answer = "";
            JsonNode last = null;
            for (byte[] f; (f = frames.next()) != null; ) {
                JsonNode o = JSON.readTree(f);
                int code = o.path("error_code").asInt(-1);
                String text = o.path("text").asText("");
                if (code != 0) {
                    fail(out, new ApiException(502, "server_error", "worker_error", "worker error " + code + ": " + text));
                    return;
                }
                if (!text.startsWith(prompt)) {
                    fail(out, new ApiException(502, "server_error", "worker_error", "the worker's text does not start with the prompt"));
                    return;
                }
                String now = text.substring(prompt.length());
                if (stream && now.length() > answer.length() && now.startsWith(answer)) {
                    chunk(out, JSON.createObjectNode().put("content", now.substring(answer.length())), null);
                }
                answer = now;
                last = o;
            }
            if (last == null || !last.has("usage")) {
                String why = answer.equals(LlavaProtocol.EXCEEDS_CONTEXT_MSG) ? "the prompt leaves no room to generate (context length)"
                        : "the worker's stream ended early";
                fail(out, new ApiException(answer.equals(LlavaProtocol.EXCEEDS_CONTEXT_MSG) ? 400 : 502,
                        answer.equals(LlavaProtocol.EXCEEDS_CONTEXT_MSG) ? "invalid_request_error" : "server_error", null, why));
                return;
            }
            String finish = last.path("finish_reason").asText("stop");
            JsonNode usage = last.get("usage");
            if (!stream) {
                ObjectNode o = head("chat.completion");
                ObjectNode c = o.putArray("choices").addObject().put("index", 0);
                c.putObject("message").put("role", "assistant").put("content", answer);
                c.put("finish_reason", finish);
                o.set("usage", usage);
                HttpJson.send(ex, 200, o);
                return;
            }
            chunk(out, JSON.createObjectNode(), finish);
            if (includeUsage) {
                ObjectNode u = head("chat.completion.chunk");
                u.putArray("choices");
                u.set("usage", usage);
                write(out, "data: " + JSON.writeValueAsString(u) + "\n\n");
            }
            write(out, "data: [DONE]\n\n");
        }

        private void fail(OutputStream out, ApiException e) throws IOException {
            if (out == null) throw e;
            ObjectNode err = JSON.createObjectNode();
            err.putObject("error").put("message", e.getMessage()).put("type", e.type());
            write(out, "data: " + JSON.writeValueAsString(err) + "\n\n");
        }

        private ObjectNode head(String object) {
            return JSON.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model);
        }

        private void chunk(OutputStream out, ObjectNode delta, String finish) throws IOException {
            ObjectNode o = head("chat.completion.chunk");
            ObjectNode c = o.putArray("choices").addObject().put("index", 0);
            c.set("delta", delta);
            if (finish == null) c.putNull("finish_reason");
            else c.put("finish_reason", finish);
            write(out, "data: " + JSON.writeValueAsString(o) + "\n\n");
        }

        private static void write(OutputStream out, String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static ApiException badRequest(String message) {
        return new ApiException(400, "invalid_request_error", null, message);
    }

    private static void error(HttpExchange ex, ApiException e) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error").put("message", e.getMessage()).put("type", e.type());
        err.putNull("param");
        if (e.code() == null) err.putNull("code");
        else err.put("code", e.code());
        HttpJson.send(ex, e.status(), o);
    }
}
