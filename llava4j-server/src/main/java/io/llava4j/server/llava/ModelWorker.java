package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llava4j.chat.Message;
import io.llava4j.engine.Generator;
import io.llava4j.generate.StopChecker;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.llava4j.server.llava.LlavaProtocol.JSON;

/**
 * LLaVA's model worker (llava/serve/model_worker.py) for one llava4j model: registers with a controller on start,
 * heartbeats its queue length every interval (and when a request starts and ends), registers again when the
 * controller no longer knows it. POST /worker_get_status -> {model_names, speed, queue_length};
 * POST /worker_generate_stream -> NUL-separated {"text": prompt + answer so far, "error_code": 0} frames;
 * POST /worker_render_prompt (llava4j extension) -> {"prompt", "stop"} from the model's chat template.
 */
public final class ModelWorker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("llava4j.worker");
    private static final Duration CONTROLLER_TIMEOUT = Duration.ofSeconds(5);

    private final WorkerConfig cfg;
    private final VisionLanguageModel model;
    private final boolean ownsModel;
    private final GenerationBackend backend;
    private final String modelName;
    private final AtomicInteger admitted = new AtomicInteger();
    private final ScheduledExecutorService heartBeats = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("llava4j-heart-beat").factory());
    private final StreamGeneration generation;
    private volatile double measuredSpeed; // generated tokens per second, moving average; 0 until a generation was timed
    private HttpServer http;
    private String address;

    /** Serves an already loaded model (the caller closes it). */
    public ModelWorker(VisionLanguageModel model, String defaultName, WorkerConfig cfg, GenerationBackend backend) {
        this(model, false, defaultName, cfg, backend);
    }

    private ModelWorker(VisionLanguageModel model, boolean ownsModel, String defaultName, WorkerConfig cfg, GenerationBackend backend) {
        this.cfg = cfg;
        this.model = model;
        this.ownsModel = ownsModel;
        this.backend = backend;
        this.modelName = cfg.modelName() != null ? cfg.modelName() : defaultName;
        this.generation = new StreamGeneration(model, backend, cfg, this::recordSpeed);
    }

    /** Loads the model folder (before registering, as the original) and serves it; the worker closes the model. */
    public static ModelWorker load(Path modelDir, LoadOptions options, WorkerConfig cfg, GenerationBackend backend) {
        return new ModelWorker(ModelRegistry.load(modelDir, options), true, nameOf(modelDir), cfg, backend);
    }

    /** model_worker.py's name: the folder's name, or parent_checkpoint-N for a checkpoint-N folder. */
    public static String nameOf(Path modelDir) {
        Path p = modelDir.toAbsolutePath().normalize();
        String last = p.getFileName().toString();
        if (last.startsWith("checkpoint-") && p.getParent() != null && p.getParent().getFileName() != null) {
            return p.getParent().getFileName() + "_" + last;
        }
        return last;
    }

    public ModelWorker start() throws IOException {
        http = HttpServer.create(new InetSocketAddress(cfg.host(), cfg.port()), 128);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/worker_get_status", ex -> endpoint(ex, () -> HttpJson.send(ex, 200, status().toJson())));
        http.createContext("/worker_generate_stream", ex -> endpoint(ex, () -> generateStream(ex)));
        http.createContext("/worker_render_prompt", ex -> endpoint(ex, () -> renderPrompt(ex)));
        http.createContext("/", ex -> {
            HttpJson.detail(ex, 404, "Not Found");
            ex.close();
        });
        http.start();
        address = cfg.workerAddress() != null ? HttpJson.base(cfg.workerAddress()) : "http://" + cfg.host() + ":" + port();
        if (cfg.register()) {
            registerToController();
            long every = cfg.heartBeatInterval().toMillis();
            heartBeats.scheduleAtFixedRate(this::sendHeartBeat, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    public int port() { return http.getAddress().getPort(); }

    /** This worker's worker_name: the URL it registers under. */
    public String address() { return address; }

    public String modelName() { return modelName; }

    public WorkerStatus status() {
        // before any generation was timed: the original's constant 1
        double speed = cfg.fixedSpeed() != null ? cfg.fixedSpeed() : measuredSpeed > 0 ? Math.round(measuredSpeed * 100) / 100.0 : 1;
        return new WorkerStatus(List.of(modelName), Math.max(0.01, speed), admitted.get());
    }

    @FunctionalInterface
    interface Body { void run() throws IOException; }

    private void endpoint(HttpExchange ex, Body body) throws IOException {
        try {
            if (!known(ex.getRequestURI().getPath())) HttpJson.detail(ex, 404, "Not Found");
            else if (HttpJson.isPost(ex)) body.run();
        } catch (HttpJson.BadRequest b) {
            HttpJson.detail(ex, b.status, b.getMessage());
        } catch (RuntimeException r) {
            LOG.log(Level.WARNING, "error on " + ex.getRequestURI(), r);
            HttpJson.detail(ex, 500, String.valueOf(r.getMessage()));
        } finally {
            ex.close();
        }
    }

    private static boolean known(String path) {
        return path.equals("/worker_get_status") || path.equals("/worker_generate_stream") || path.equals("/worker_render_prompt");
    }

    /** Admission: at most queueDepth requests at once; the controller hears the new queue length at start and end. */
    private void generateStream(HttpExchange ex) throws IOException {
        ObjectNode params;
        try {
            params = HttpJson.readObject(ex, cfg.maxRequestBytes());
        } catch (HttpJson.BadRequest e) {
            StreamGeneration.answerError(ex, e.status, e.getMessage());
            return;
        }
        if (admitted.incrementAndGet() > cfg.queueDepth()) {
            admitted.decrementAndGet();
            StreamGeneration.answerError(ex, 503, "the worker is busy (" + cfg.queueDepth() + " requests queued); retry later");
            return;
        }
        heartBeatSoon();
        try {
            generation.serve(ex, params);
        } finally {
            admitted.decrementAndGet();
            heartBeatSoon();
        }
    }

    private void recordSpeed(Generator.Result r) {
        double seconds = (r.prefillNanos() + r.decodeNanos()) / 1e9;
        if (r.tokenIds().length == 0 || seconds <= 0) return;
        double tokensPerSecond = r.tokenIds().length / seconds;
        double before = measuredSpeed;
        measuredSpeed = before == 0 ? tokensPerSecond : 0.7 * before + 0.3 * tokensPerSecond;
    }

    /** {"messages": [{"role", "content"}]} -> {"model", "prompt", "stop"}: the model's template, generation prompt added. */
    private void renderPrompt(HttpExchange ex) throws IOException {
        ObjectNode req = HttpJson.readObject(ex, cfg.maxRequestBytes());
        JsonNode msgs = req.get("messages");
        if (msgs == null || !msgs.isArray() || msgs.isEmpty()) throw new HttpJson.BadRequest(400, "'messages' must be a non-empty array");
        List<Message> messages = new ArrayList<>();
        for (JsonNode m : msgs) {
            String role = m.path("role").asText("");
            if (!List.of("system", "user", "assistant").contains(role)) throw new HttpJson.BadRequest(400, "message role '" + role + "' is not supported (system, user, assistant)");
            if (!m.path("content").isTextual()) throw new HttpJson.BadRequest(400, "message content must be a string (with <image> markers)");
            messages.add(Message.of(role, m.get("content").asText()));
        }
        ObjectNode o = JSON.createObjectNode().put("model", modelName).put("prompt", model.chatTemplate().render(messages, true));
        model.chatTemplate().stopStrings().forEach(o.putArray("stop")::add);
        HttpJson.send(ex, 200, o);
    }

    private boolean registerToController() {
        ObjectNode body = JSON.createObjectNode().put("worker_name", address).put("check_heart_beat", true);
        body.set("worker_status", status().toJson());
        try {
            HttpJson.post(HttpJson.base(cfg.controllerAddress()) + "/register_worker", body, CONTROLLER_TIMEOUT);
            LOG.log(Level.INFO, "registered {0} ({1}) with {2}", address, modelName, cfg.controllerAddress());
            return true;
        } catch (IOException | InterruptedException e) {
            LOG.log(Level.WARNING, "cannot register with the controller {0}: {1} (retrying at the next heart beat)", cfg.controllerAddress(), e.getMessage());
            return false;
        }
    }

    /** Reports the queue length; registers again when the controller answers that it does not know this worker. */
    void sendHeartBeat() {
        ObjectNode body = JSON.createObjectNode().put("worker_name", address).put("queue_length", admitted.get());
        try {
            JsonNode r = HttpJson.post(HttpJson.base(cfg.controllerAddress()) + "/receive_heart_beat", body, CONTROLLER_TIMEOUT);
            if (r == null || !r.path("exist").asBoolean(false)) registerToController();
        } catch (IOException | InterruptedException e) {
            LOG.log(Level.WARNING, "heart beat error: {0}", e.getMessage());
        }
    }

    private void heartBeatSoon() {
        if (cfg.register() && !heartBeats.isShutdown()) Thread.ofVirtual().start(this::sendHeartBeat);
    }

    @Override
    public void close() {
        heartBeats.shutdownNow();
        if (http != null) http.stop(0);
        if (ownsModel) model.close();
    }

    /** Finish reason as OpenAI names it: "length" when the token budget ran out, else "stop". */
    static String finishReason(Generator.Result r, int maxNewTokens) {
        return r.stopReason() == StopChecker.Reason.NONE && r.tokenIds().length >= maxNewTokens ? "length" : "stop";
    }
}
