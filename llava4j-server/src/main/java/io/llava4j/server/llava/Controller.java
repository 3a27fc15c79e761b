package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.llava4j.server.llava.LlavaProtocol.JSON;

/**
 * LLaVA's controller (llava/serve/controller.py) on the JDK's HTTP server: workers register and heartbeat,
 * clients ask which worker serves a model, and the controller can itself act as a worker (status sums and a
 * proxied stream). It also fronts its workers with an OpenAI endpoint ({@link OpenAiFront}).
 *
 * <p>POST /register_worker {worker_name, check_heart_beat, worker_status?} -> null;
 * POST /refresh_all_workers -> null; POST /list_models -> {models}; POST /get_worker_address {model} -> {address};
 * POST /receive_heart_beat {worker_name, queue_length} -> {exist}; POST /worker_generate_stream (proxy);
 * POST /worker_get_status -> {model_names, speed, queue_length}; GET /v1/models; POST /v1/chat/completions.
 */
public final class Controller implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("llava4j.controller");
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);

    private final ControllerConfig cfg;
    final WorkerRegistry registry;
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("llava4j-expiry").factory());
    private HttpServer http;

    public Controller(ControllerConfig cfg) {
        this(cfg, new Random());
    }

    Controller(ControllerConfig cfg, Random random) {
        this.cfg = cfg;
        this.registry = new WorkerRegistry(cfg.dispatch(), random, System::currentTimeMillis);
    }

    public Controller start() throws IOException {
        http = HttpServer.create(new InetSocketAddress(cfg.host(), cfg.port()), 128);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        route("/register_worker", this::registerWorker);
        route("/refresh_all_workers", ex -> {
            refreshAllWorkers();
            HttpJson.send(ex, 200, JSON.nullNode());
        });
        route("/list_models", ex -> {
            ObjectNode o = JSON.createObjectNode();
            registry.models().forEach(o.putArray("models")::add);
            HttpJson.send(ex, 200, o);
        });
        route("/get_worker_address", ex -> {
            ObjectNode req = HttpJson.readObject(ex, cfg.maxRequestBytes());
            HttpJson.send(ex, 200, JSON.createObjectNode().put("address", registry.pick(HttpJson.requiredText(req, "model"))));
        });
        route("/receive_heart_beat", ex -> {
            ObjectNode req = HttpJson.readObject(ex, cfg.maxRequestBytes());
            String worker = HttpJson.requiredText(req, "worker_name");
            if (!req.path("queue_length").isNumber()) throw new HttpJson.BadRequest(400, "'queue_length' must be a number");
            boolean exist = registry.heartBeat(worker, req.get("queue_length").asInt());
            if (!exist) LOG.log(Level.INFO, "heart beat from unknown worker {0}", worker);
            HttpJson.send(ex, 200, JSON.createObjectNode().put("exist", exist));
        });
        route("/worker_generate_stream", this::proxyGenerateStream);
        route("/worker_get_status", ex -> HttpJson.send(ex, 200, aggregateStatus().toJson()));
        OpenAiFront front = new OpenAiFront(registry, cfg.maxRequestBytes());
        http.createContext("/v1/models", front::models);
        http.createContext("/v1/chat/completions", front::chat);
        http.createContext("/", ex -> HttpJson.detail(ex, 404, "Not Found"));
        http.start();
        long period = cfg.expiration().toMillis();
        sweeper.scheduleAtFixedRate(() -> {
            for (String w : registry.expire(period)) LOG.log(Level.INFO, "worker {0} expired (no heart beat for {1} ms)", w, period);
        }, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    public int port() { return http.getAddress().getPort(); }

    /** Address clients and workers use, e.g. http://127.0.0.1:21001. */
    public String url() { return "http://" + cfg.host() + ":" + port(); }

    @FunctionalInterface
    interface Endpoint { void handle(HttpExchange ex) throws IOException; }

    private void route(String path, Endpoint e) {
        http.createContext(path, ex -> {
            try {
                if (!ex.getRequestURI().getPath().equals(path)) HttpJson.detail(ex, 404, "Not Found");
                else if (HttpJson.isPost(ex)) e.handle(ex);
            } catch (HttpJson.BadRequest b) {
                HttpJson.detail(ex, b.status, b.getMessage());
            } catch (RuntimeException r) {
                LOG.log(Level.WARNING, "error on " + path, r);
                HttpJson.detail(ex, 500, String.valueOf(r.getMessage()));
            } finally {
                ex.close();
            }
        });
    }

    private void registerWorker(HttpExchange ex) throws IOException {
        ObjectNode req = HttpJson.readObject(ex, cfg.maxRequestBytes());
        String worker = HttpJson.requiredText(req, "worker_name");
        JsonNode check = req.get("check_heart_beat");
        if (check == null || !check.isBoolean()) throw new HttpJson.BadRequest(400, "'check_heart_beat' must be true or false");
        JsonNode status = req.get("worker_status");
        WorkerStatus given;
        try {
            given = status == null || status.isNull() || status.isEmpty() ? null : WorkerStatus.fromJson(status);
        } catch (IllegalArgumentException e) {
            throw new HttpJson.BadRequest(400, e.getMessage());
        }
        register(worker, check.asBoolean(), given);
        HttpJson.send(ex, 200, JSON.nullNode()); // controller.py's handler returns None whatever happened
    }

    /** Registers (or re-registers) a worker; asks it for its status when none is given. False when it cannot be reached. */
    boolean register(String worker, boolean checkHeartBeat, WorkerStatus status) {
        LOG.log(Level.INFO, "{0} worker {1}", registry.contains(worker) ? "Register an existing" : "Register a new", worker);
        WorkerStatus s = status != null ? status : fetchStatus(worker);
        if (s == null) return false;
        registry.put(worker, s, checkHeartBeat);
        return true;
    }

    private static WorkerStatus fetchStatus(String worker) {
        try {
            return WorkerStatus.fromJson(HttpJson.post(HttpJson.base(worker) + "/worker_get_status", JSON.createObjectNode(), STATUS_TIMEOUT));
        } catch (IOException | IllegalArgumentException | InterruptedException e) {
            LOG.log(Level.WARNING, "Get status fails: {0}, {1}", worker, e.getMessage());
            return null;
        }
    }

    /** Asks every known worker for its status again; those that do not answer are dropped. */
    void refreshAllWorkers() {
        for (Map.Entry<String, Boolean> e : registry.drain().entrySet()) {
            if (!register(e.getKey(), e.getValue(), null)) LOG.log(Level.INFO, "Remove stale worker: {0}", e.getKey());
        }
    }

    /** The controller as a worker: every model of every reachable worker, speeds and queue lengths summed. */
    WorkerStatus aggregateStatus() {
        java.util.LinkedHashSet<String> models = new java.util.LinkedHashSet<>();
        double speed = 0;
        int queue = 0;
        for (String w : registry.workerNames()) {
            WorkerStatus s = fetchStatus(w);
            if (s == null) continue;
            models.addAll(s.modelNames());
            speed += s.speed();
            queue += s.queueLength();
        }
        return new WorkerStatus(List.copyOf(models), speed, queue);
    }

    /**
     * Relays a generation to a worker for params.model: frames pass through unchanged (NUL separated); no worker
     * -> one frame with error_code 2; the worker unreachable or failing mid-stream -> a frame with error_code 3.
     */
    private void proxyGenerateStream(HttpExchange ex) throws IOException {
        ObjectNode params = HttpJson.readObject(ex, cfg.maxRequestBytes());
        String model = params.path("model").asText("");
        String worker = registry.pick(model);
        if (worker.isEmpty()) {
            LOG.log(Level.INFO, "no worker: {0}", model);
            ex.sendResponseHeaders(200, 0);
            LlavaProtocol.writeFrame(ex.getResponseBody(), LlavaProtocol.textFrame(LlavaProtocol.SERVER_ERROR_MSG, LlavaProtocol.NO_WORKER));
            return;
        }
        HttpResponse<InputStream> r;
        try {
            r = HttpJson.postStreaming(HttpJson.base(worker) + "/worker_generate_stream", params);
        } catch (IOException | InterruptedException e) {
            LOG.log(Level.INFO, "worker timeout: {0}", worker);
            ex.sendResponseHeaders(200, 0);
            LlavaProtocol.writeFrame(ex.getResponseBody(), LlavaProtocol.textFrame(LlavaProtocol.SERVER_ERROR_MSG, LlavaProtocol.WORKER_TIMEOUT));
            return;
        }
        ex.sendResponseHeaders(r.statusCode(), 0);
        OutputStream out = ex.getResponseBody();
        try (InputStream in = r.body()) {
            FrameReader frames = new FrameReader(in);
            for (byte[] f; (f = frames.next()) != null; ) {
                out.write(f);
                out.write(LlavaProtocol.SEPARATOR);
                out.flush();
            }
        } catch (IOException e) {
            LOG.log(Level.INFO, "worker stream broke: {0}: {1}", worker, e.getMessage());
            try {
                LlavaProtocol.writeFrame(out, LlavaProtocol.textFrame(LlavaProtocol.SERVER_ERROR_MSG, LlavaProtocol.WORKER_TIMEOUT));
            } catch (IOException clientGone) {
                // nothing left to tell
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        if (http != null) http.stop(0);
    }
}
