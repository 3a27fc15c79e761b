package io.llava4j.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llava4j.chat.Message;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.RgbImage;
import io.llava4j.media.VideoDecoder;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.server.batch.BatchScheduler;
import io.llava4j.server.batch.Generation;
import io.llava4j.server.batch.QueueFullException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible server for one model: GET /health (503 while loading), GET /v1/models,
 * POST /v1/chat/completions (string or content-part messages with image_url / video_url parts, sampling options,
 * stop, seed, SSE streaming with usage), GET /metrics. Handlers (virtual threads) parse, fetch and encode media and
 * hand the prepared prompt to a {@link BatchScheduler}, which decodes concurrent requests together step by step
 * (continuous batching) from a bounded queue (full: 503 queue_full with Retry-After, checked before any media work).
 * A client that disconnects cancels its work: streaming clients are noticed when a chunk cannot be written,
 * non-streaming ones by a space written every {@link #HEARTBEAT_MILLIS} while they wait (JSON allows leading
 * whitespace), so their answers start with the headers of a chunked 200 once a request has waited that long.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerConfig cfg;
    private final Path modelDir;
    private final LoadOptions loadOptions;
    private final Metrics metrics = new Metrics();
    private final MediaFetcher media;
    /** How long a waiting client goes without a byte: then a heartbeat (space, or SSE comment) probes the connection. */
    static final long HEARTBEAT_MILLIS = 500;

    private volatile BatchScheduler engine;
    private volatile VisionLanguageModel model;
    private volatile String loadError;
    private HttpServer http;

    public OpenAiServer(Path modelDir, LoadOptions loadOptions, ServerConfig cfg) {
        this.cfg = cfg;
        this.modelDir = modelDir;
        this.loadOptions = loadOptions;
        this.media = new MediaFetcher(cfg);
    }

    /** Binds, then loads the model in the background (/health answers 503 until it is ready). */
    public OpenAiServer start() throws IOException {
        http = HttpServer.create(new InetSocketAddress(cfg.host(), cfg.port()), 64);
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(handlers);
        http.createContext("/", this::page);
        http.createContext("/health", this::health);
        http.createContext("/v1/models", ex -> handle(ex, "GET", this::models));
        http.createContext("/v1/chat/completions", ex -> handle(ex, "POST", this::chat));
        http.createContext("/metrics", ex -> {
            byte[] b = metrics.render(model, engine).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        Thread.ofVirtual().start(() -> {
            try {
                VisionLanguageModel m = ModelRegistry.load(modelDir, loadOptions);
                m.featureCache().setBudget(cfg.featureCacheBytes());
                engine = new BatchScheduler(m, cfg.maxBatch(), cfg.queueDepth());
                model = m;
            } catch (RuntimeException e) {
                loadError = e.getMessage();
            }
        });
        return this;
    }

    public int port() { return http.getAddress().getPort(); }

    /** The generation engine once the model is loaded (null before). */
    public BatchScheduler engine() { return engine; }

    /** Waits until the model is loaded (or failed to load). */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (model == null && loadError == null && System.currentTimeMillis() < end) Thread.sleep(20);
        return model != null;
    }

    /** The chat page, served from the jar (no build step); any other unknown path is a 404. */
    private void page(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/") && !path.equals("/index.html")) {
            error(ex, new ApiException(404, "invalid_request_error", "not_found", "no such path: " + path));
            return;
        }
        try (InputStream in = OpenAiServer.class.getResourceAsStream("index.html")) {
            byte[] b = in.readAllBytes();
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.getResponseHeaders().add("Content-Security-Policy", "default-src 'self' 'unsafe-inline' data: blob:");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        }
    }

    private String modelName() { return modelDir.toAbsolutePath().normalize().getFileName().toString(); }

    private void health(HttpExchange ex) throws IOException {
        int status = model != null ? 200 : 503;
        String body = model != null ? "{\"status\":\"ok\"}" : loadError != null
                ? JSON.writeValueAsString(JSON.createObjectNode().put("status", "error").put("message", loadError)) : "{\"status\":\"loading\"}";
        send(ex, status, body);
    }

    @FunctionalInterface
    interface Handler { void run(HttpExchange ex, VisionLanguageModel m) throws Exception; }

    private void handle(HttpExchange ex, String method, Handler h) throws IOException {
        try {
            if (!ex.getRequestMethod().equalsIgnoreCase(method)) throw new ApiException(405, "invalid_request_error", "method_not_allowed", "use " + method);
            checkKey(ex);
            VisionLanguageModel m = model;
            if (m == null) throw new ApiException(503, "server_error", "model_loading", loadError != null ? "model failed to load: " + loadError : "the model is still loading");
            h.run(ex, m);
        } catch (ApiException e) {
            metrics.errors.incrementAndGet();
            error(ex, e);
        } catch (QueueFullException e) {
            metrics.errors.incrementAndGet();
            metrics.rejected.incrementAndGet();
            error(ex, ApiException.busy(e));
        } catch (Exception e) {
            metrics.errors.incrementAndGet();
            error(ex, new ApiException(500, "server_error", null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private void checkKey(HttpExchange ex) {
        if (cfg.apiKeys().isEmpty()) return;
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) throw new ApiException(401, "invalid_request_error", "invalid_api_key", "missing API key (Authorization: Bearer ...)");
        if (!cfg.apiKeys().contains(auth.substring(7).strip())) throw new ApiException(401, "invalid_request_error", "invalid_api_key", "invalid API key");
    }

    private void models(HttpExchange ex, VisionLanguageModel m) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("object", "list");
        ObjectNode e = o.putArray("data").addObject().put("id", modelName()).put("object", "model").put("created", 0).put("owned_by", "llava4j");
        ArrayNode mods = e.putArray("input_modalities").add("text");
        if (m.capabilities().images()) mods.add("image");
        if (m.capabilities().videos()) mods.add("video");
        send(ex, 200, JSON.writeValueAsString(o));
    }

    private byte[] readBody(HttpExchange ex) throws IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null && Long.parseLong(len) > cfg.maxRequestBytes()) {
            drain(ex);
            throw new ApiException(413, "invalid_request_error", "request_too_large", "request body is larger than " + cfg.maxRequestBytes() + " bytes");
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, cfg.maxRequestBytes() + 1));
            if (b.length > cfg.maxRequestBytes()) {
                drain(ex);
                throw new ApiException(413, "invalid_request_error", "request_too_large", "request body is larger than " + cfg.maxRequestBytes() + " bytes");
            }
            return b;
        }
    }

    /**
     * Reads and drops what is left of a refused body (up to 4x the limit), so a client still sending it reads the 413
     * instead of a reset connection; a larger body is cut off.
     */
    private void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            long left = 4 * cfg.maxRequestBytes();
            byte[] buf = new byte[64 << 10];
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; ) left -= n;
        } catch (IOException ignored) {
            // the client went away: nothing to answer
        }
    }

    /** A parsed request: messages with placeholders, the media in order, sampling, streaming. */
    record ChatRequest(List<Message> messages, List<RgbImage> images, List<List<RgbImage>> videos, SamplingParams params,
                       boolean stream, boolean includeUsage) {}

    ChatRequest parse(byte[] body, VisionLanguageModel m) {
        OpenAiChatRequest req = OpenAiChatRequest.parse(body, m.videoMarker());
        String requested = req.model();
        if (requested != null && !requested.equals(modelName()) && !requested.isEmpty()) {
            throw new ApiException(404, "invalid_request_error", "model_not_found", "model '" + requested + "' does not exist (this server serves '" + modelName() + "')");
        }
        List<Message> messages = new ArrayList<>();
        for (OpenAiChatRequest.Turn t : req.messages()) messages.add(Message.of(t.role(), t.text()));
        List<RgbImage> images = new ArrayList<>();
        List<List<RgbImage>> videos = new ArrayList<>();
        // counted before anything is fetched or decoded
        if (req.media().size() > cfg.maxMediaPerRequest()) {
            throw ApiException.badRequest("too many media items: " + req.media().size() + " (limit " + cfg.maxMediaPerRequest() + ")");
        }
        long t0 = System.nanoTime();
        for (OpenAiChatRequest.MediaRef ref : req.media()) {
            if (ref.kind() == OpenAiChatRequest.MediaKind.IMAGE) {
                if (!m.capabilities().images()) throw ApiException.badRequest("this model does not take images");
                images.add(media.image(ref.url()));
            } else {
                if (!m.capabilities().videos()) throw ApiException.badRequest("this model does not take videos");
                videos.add(video(ref.url(), m));
            }
        }
        metrics.media.addAndGet(images.size() + videos.size());
        metrics.mediaSeconds.add((System.nanoTime() - t0) / 1e9);
        SamplingParams params = req.sampling(req.maxTokens(512, cfg.maxOutputTokens()), m.chatTemplate().stopStrings());
        return new ChatRequest(messages, images, videos, params, req.stream(), req.includeUsage());
    }

    private List<RgbImage> video(String url, VisionLanguageModel m) {
        byte[] b = media.bytes(url);
        try {
            Path tmp = Files.createTempFile("llava4j-video", ".bin");
            try {
                Files.write(tmp, b);
                return VideoDecoder.decode(tmp, m.frameSampler(), new VideoDecoder.Limits(cfg.maxVideoSeconds(), cfg.maxVideoFrames(), cfg.maxImagePixels()));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (io.llava4j.media.MediaException e) {
            // the decoder names the temporary file it was given; the client only needs the reason
            String reason = String.valueOf(e.getMessage()).replaceAll("\\S*llava4j-video\\d*\\.bin:?\\s*", "");
            throw ApiException.badRequest("video_url is not a readable video: " + reason);
        } catch (IOException e) {
            throw new ApiException(500, "server_error", null, e.getMessage());
        }
    }

    private void chat(HttpExchange ex, VisionLanguageModel m) throws Exception {
        metrics.requests.incrementAndGet();
        byte[] body = readBody(ex);
        engine.checkRoom(); // a full queue is refused before any media is fetched, decoded or encoded
        ChatRequest r = parse(body, m);
        String prompt = m.chatTemplate().render(r.messages(), true);
        MultimodalPrompt p;
        try {
            p = m.prepare(prompt, r.images(), r.videos());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (p.length() > cfg.maxPromptTokens()) throw ApiException.badRequest("the prompt has " + p.length() + " positions, the limit is " + cfg.maxPromptTokens());
        int ctx = m.languageModel().config().maxPositions();
        if (p.length() >= ctx) throw ApiException.badRequest("the prompt has " + p.length() + " positions, the model's context is " + ctx);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        if (r.stream()) stream(ex, m, p, r, id, created);
        else complete(ex, m, p, r, id, created);
    }

    /** Queues the prompt; a full queue is a 503 with Retry-After. */
    private Generation submit(MultimodalPrompt p, SamplingParams params) {
        try {
            return engine.submit(p, params);
        } catch (QueueFullException e) {
            metrics.rejected.incrementAndGet();
            throw ApiException.busy(e);
        }
    }

    /** The request's error as the client should see it (the engine reports plain exceptions). */
    private static ApiException asApi(RuntimeException e) {
        if (e instanceof ApiException a) return a;
        if (e instanceof IllegalArgumentException) return ApiException.badRequest(e.getMessage());
        return new ApiException(500, "server_error", null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    private void record(Generation.Event.Done d) {
        metrics.promptTokens.addAndGet(d.promptTokens());
        metrics.completionTokens.addAndGet(d.tokenIds().length);
        metrics.ttftSeconds.add(d.ttftNanos() / 1e9);
        metrics.decodeSeconds.add(d.decodeNanos() / 1e9);
    }

    private ObjectNode usage(Generation.Event.Done d) {
        return JSON.createObjectNode().put("prompt_tokens", d.promptTokens()).put("completion_tokens", d.tokenIds().length)
                .put("total_tokens", d.promptTokens() + d.tokenIds().length);
    }

    private void complete(HttpExchange ex, VisionLanguageModel m, MultimodalPrompt p, ChatRequest req, String id, long created) throws Exception {
        Generation g = submit(p, req.params());
        OutputStream out = null; // set once the headers went out (after a heartbeat)
        long lastWrite = System.nanoTime();
        try {
            while (true) {
                Generation.Event e = g.next(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - lastWrite >= HEARTBEAT_MILLIS * 1_000_000) { // still waiting: probe the connection
                    if (out == null) {
                        ex.getResponseHeaders().add("Content-Type", "application/json");
                        ex.sendResponseHeaders(200, 0);
                        out = ex.getResponseBody();
                    }
                    write(out, " ");
                    lastWrite = System.nanoTime();
                }
                if (e == null) {
                    continue;
                } else if (e instanceof Generation.Event.Failed f) {
                    ApiException a = asApi(f.error());
                    if (out == null) throw a;
                    metrics.errors.incrementAndGet();
                    write(out, errorJson(a)); // the status went out already: the body says what failed
                    ex.close();
                    return;
                } else if (e instanceof Generation.Event.Done d) {
                    record(d);
                    ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created).put("model", modelName());
                    ObjectNode c = o.putArray("choices").addObject().put("index", 0);
                    c.putObject("message").put("role", "assistant").put("content", d.text());
                    c.put("finish_reason", d.finishReason());
                    o.set("usage", usage(d));
                    if (out == null) {
                        send(ex, 200, JSON.writeValueAsString(o));
                    } else {
                        write(out, JSON.writeValueAsString(o));
                        ex.close();
                    }
                    return;
                }
            }
        } catch (IOException gone) { // the client hung up
            ex.close();
        } finally {
            g.cancel(); // no-op when finished; frees the slot otherwise
        }
    }

    private void stream(HttpExchange ex, VisionLanguageModel m, MultimodalPrompt p, ChatRequest req, String id, long created) throws Exception {
        Generation g = submit(p, req.params());
        try {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            chunk(out, id, created, JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
            while (true) {
                Generation.Event e = g.next(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (e == null) {
                    write(out, ": waiting\n\n"); // an SSE comment: clients ignore it, a closed connection fails it
                } else if (e instanceof Generation.Event.Text t) {
                    chunk(out, id, created, JSON.createObjectNode().put("content", t.delta()), null);
                } else if (e instanceof Generation.Event.Failed f) {
                    metrics.errors.incrementAndGet();
                    write(out, "data: " + errorJson(asApi(f.error())) + "\n\n");
                    ex.close();
                    return;
                } else if (e instanceof Generation.Event.Done d) {
                    record(d);
                    chunk(out, id, created, JSON.createObjectNode(), d.finishReason());
                    if (req.includeUsage()) {
                        ObjectNode u = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", modelName());
                        u.putArray("choices");
                        u.set("usage", usage(d));
                        write(out, "data: " + JSON.writeValueAsString(u) + "\n\n");
                    }
                    write(out, "data: [DONE]\n\n");
                    ex.close();
                    return;
                }
            }
        } catch (IOException gone) { // the client hung up
            ex.close();
        } finally {
            g.cancel();
        }
    }

    private void chunk(OutputStream out, String id, long created, ObjectNode delta, String finish) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", modelName());
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

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private static String errorJson(ApiException e) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error").put("message", e.getMessage()).put("type", e.type);
        err.putNull("param");
        if (e.code == null) err.putNull("code");
        else err.put("code", e.code);
        return JSON.writeValueAsString(o);
    }

    private static void error(HttpExchange ex, ApiException e) throws IOException {
        if (e.retryAfterSeconds > 0) ex.getResponseHeaders().add("Retry-After", String.valueOf(e.retryAfterSeconds));
        send(ex, e.status, errorJson(e));
    }

    @Override
    public void close() {
        if (http != null) http.stop(0);
        if (engine != null) engine.close();
        if (model != null) model.close();
    }
}
