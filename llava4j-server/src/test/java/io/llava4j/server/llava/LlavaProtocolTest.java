package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.chat.Message;
import io.llava4j.engine.Generator;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

import static io.llava4j.server.llava.LlavaWire.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A controller and two workers of the tiny LLaVA-1.5 fixture in one JVM on loopback, with short heartbeat (300 ms)
 * and expiry (1.2 s) settings; every request is shaped as LLaVA's own Python clients send it.
 */
class LlavaProtocolTest {
    static final Path MODEL = Fixtures.dir("llava-1.5-tiny");
    static final String NAME = "llava-1.5-tiny";
    static final Duration BEAT = Duration.ofMillis(300), EXPIRY = Duration.ofMillis(1200);
    static VisionLanguageModel model1, model2;
    static Controller controller;
    static ModelWorker worker1, worker2;

    @BeforeAll
    static void start() throws Exception {
        model1 = ModelRegistry.load(MODEL, LoadOptions.defaults());
        model2 = ModelRegistry.load(MODEL, LoadOptions.defaults());
        controller = new Controller(ControllerConfig.defaults().withPort(0).withExpiration(EXPIRY)).start();
        worker1 = worker(model1, NAME, GenerationBackend.serial(), 4);
        worker2 = worker(model2, NAME, GenerationBackend.batching(4, 4), 4);
    }

    static ModelWorker worker(VisionLanguageModel m, String name, GenerationBackend backend, int depth) throws Exception {
        return new ModelWorker(m, name, WorkerConfig.defaults(controller.url()).withPort(0).withHeartBeat(BEAT).withQueueDepth(depth), backend).start();
    }

    @AfterAll
    static void stop() {
        worker1.close();
        worker2.close();
        controller.close();
        model1.close();
        model2.close();
    }

    static String c(String path) { return controller.url() + path; }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(50);
        }
    }

    static List<String> models(String controllerUrl) throws Exception {
        JsonNode r = LlavaWire.post(controllerUrl + "/list_models", null);
        List<String> out = new ArrayList<>();
        r.get("models").forEach(n -> out.add(n.asText()));
        return out;
    }

    static String prompt(String question) {
        return model1.chatTemplate().render(List.of(Message.user("<image>\n" + question)), true);
    }

    static String b64(String image) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(MODEL.resolve("golden").resolve(image)));
    }

    /** gradio_web_server.py's payload. */
    static ObjectNode gradioPayload(String model, String prompt, List<String> images, int maxNewTokens) {
        ObjectNode p = JSON.createObjectNode().put("model", model).put("prompt", prompt).put("temperature", 0.0).put("top_p", 0.7)
                .put("max_new_tokens", maxNewTokens).put("stop", "</s>");
        images.forEach(p.putArray("images")::add);
        return p;
    }

    /** The engine's own greedy answer for the same prompt and image. */
    static String engineGreedy(String prompt, String image, int maxNewTokens) {
        var input = model1.prepare(prompt, List.of(ImageDecoder.decode(MODEL.resolve("golden").resolve(image))), List.of());
        return Generator.generate(model1, input, new SamplingParams(0, 1, 0, 1, maxNewTokens, null, List.of("</s>")), null).text();
    }

    @Test
    void workersRegisterAndTheControllerListsTheirModel() throws Exception {
        assertTrue(models(controller.url()).contains(NAME));
        assertTrue(controller.registry.workerNames().containsAll(Set.of(worker1.address(), worker2.address())));
        JsonNode s = LlavaWire.post(worker1.address() + "/worker_get_status", null);
        assertEquals(NAME, s.get("model_names").get(0).asText());
        assertEquals(0, s.get("queue_length").asInt());
        assertTrue(s.get("speed").asDouble() > 0);
        // the controller acting as a worker: the union of models, speeds added up
        JsonNode agg = LlavaWire.post(c("/worker_get_status"), null);
        assertTrue(agg.get("model_names").toString().contains(NAME));
        assertTrue(agg.get("speed").asDouble() >= worker1.status().speed() + worker2.status().speed() - 1e-9);
    }

    @Test
    void shortestQueueTakesTheLeastQueuePerSpeedAndCountsItsChoice() throws Exception {
        try (Controller ctl = new Controller(ControllerConfig.defaults().withPort(0)).start()) {
            // register_worker.py's shape, with the status given (no call back to these addresses)
            register(ctl, "http://127.0.0.1:1/a", "m", 1, 2);
            register(ctl, "http://127.0.0.1:1/b", "m", 2, 2);
            register(ctl, "http://127.0.0.1:1/c", "other", 100, 0);
            List<String> picks = new ArrayList<>();
            for (int i = 0; i < 4; i++) picks.add(LlavaWire.post(ctl.url() + "/get_worker_address", Map.of("model", "m")).get("address").asText());
            // loads a: 2/1, b: 2/2=1 -> b (b: 3) -> b 1.5 -> b (b: 4) -> 2 vs 2, the first wins -> a (a: 3) -> b 2 < 3 -> b
            assertEquals(List.of("http://127.0.0.1:1/b", "http://127.0.0.1:1/b", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"), picks);
            assertEquals("", LlavaWire.post(ctl.url() + "/get_worker_address", Map.of("model", "nope")).get("address").asText());
            assertEquals(Set.of("m", "other"), new HashSet<>(models(ctl.url())));
        }
    }

    static void register(Controller ctl, String address, String model, double speed, int queue) throws Exception {
        ObjectNode r = JSON.createObjectNode().put("worker_name", address).put("check_heart_beat", false);
        r.set("worker_status", new WorkerStatus(List.of(model), speed, queue).toJson());
        assertTrue(LlavaWire.post(ctl.url() + "/register_worker", r).isNull(), "FastAPI's None");
    }

    @Test
    void lotteryPicksInProportionToSpeed() throws Exception {
        try (Controller ctl = new Controller(ControllerConfig.defaults().withPort(0).withDispatch(DispatchMethod.LOTTERY), new Random(7)).start()) {
            register(ctl, "http://127.0.0.1:1/slow", "m", 1, 0);
            register(ctl, "http://127.0.0.1:1/fast", "m", 3, 5);
            register(ctl, "http://127.0.0.1:1/zero", "z", 0, 0);
            int fast = 0, n = 400;
            for (int i = 0; i < n; i++) {
                String a = LlavaWire.post(ctl.url() + "/get_worker_address", Map.of("model", "m")).get("address").asText();
                assertTrue(a.endsWith("/slow") || a.endsWith("/fast"), a);
                if (a.endsWith("/fast")) fast++;
            }
            System.out.println("[lottery] fast picked " + fast + " of " + n + " (expected 0.75)");
            assertTrue(fast > 0.65 * n && fast < 0.85 * n, "fast picked " + fast + " of " + n);
            assertEquals("", LlavaWire.post(ctl.url() + "/get_worker_address", Map.of("model", "z")).get("address").asText(), "all speeds 0");
            assertEquals("", LlavaWire.post(ctl.url() + "/get_worker_address", Map.of("model", "none")).get("address").asText());
        }
    }

    @Test
    void heartBeatsKeepWorkersAliveAndAStoppedWorkerExpires() throws Exception {
        ModelWorker extra = worker(model1, "extra-model", GenerationBackend.serial(), 1);
        try {
            assertTrue(models(controller.url()).contains("extra-model"));
            Thread.sleep(3 * EXPIRY.toMillis()); // several expiry sweeps
            assertTrue(models(controller.url()).containsAll(List.of(NAME, "extra-model")), "heart beats keep them");
        } finally {
            extra.close();
        }
        long stopped = System.currentTimeMillis();
        await("the stopped worker expires", () -> {
            try {
                return !models(controller.url()).contains("extra-model");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        System.out.println("[expiry] stopped worker dropped after " + (System.currentTimeMillis() - stopped) + " ms (expiry " + EXPIRY.toMillis() + " ms)");
        assertTrue(controller.registry.contains(worker1.address()) && controller.registry.contains(worker2.address()));
    }

    @Test
    void aWorkerTheControllerForgotRegistersAgainOnItsNextHeartBeat() throws Exception {
        controller.registry.remove(worker2.address());
        JsonNode beat = LlavaWire.post(c("/receive_heart_beat"), Map.of("worker_name", "http://127.0.0.1:1/unknown", "queue_length", 0));
        assertFalse(beat.get("exist").asBoolean());
        await("worker2 is registered again", () -> controller.registry.contains(worker2.address()));
    }

    @Test
    void refreshAllWorkersKeepsTheLiveAndDropsTheDead() throws Exception {
        ObjectNode dead = JSON.createObjectNode().put("worker_name", "http://127.0.0.1:9").put("check_heart_beat", false);
        dead.set("worker_status", new WorkerStatus(List.of("ghost"), 1, 0).toJson());
        LlavaWire.post(c("/register_worker"), dead);
        assertTrue(models(controller.url()).contains("ghost"));
        assertTrue(LlavaWire.post(c("/refresh_all_workers"), null).isNull());
        assertEquals(List.of(NAME), models(controller.url()));
        assertTrue(controller.registry.contains(worker1.address()) && controller.registry.contains(worker2.address()));
        // registering without a status makes the controller ask the worker itself
        controller.registry.remove(worker1.address());
        LlavaWire.post(c("/register_worker"), Map.of("worker_name", worker1.address(), "check_heart_beat", true));
        assertTrue(controller.registry.contains(worker1.address()));
    }

    @Test
    void workerStreamsNulSeparatedCumulativeTextEndingInTheEngineAnswer() throws Exception {
        String prompt = prompt("What is shown in this image?");
        LlavaWire.Stream s = LlavaWire.stream(worker1.address() + "/worker_generate_stream",
                gradioPayload(NAME, prompt, List.of(b64("img_landscape_200x150.png")), 8));
        assertEquals(200, s.status());
        assertEquals(0, s.raw()[s.raw().length - 1], "every frame ends with NUL");
        assertTrue(s.frames().size() >= 3, "streamed in pieces: " + s.frames().size());
        String previous = prompt;
        for (JsonNode f : s.frames()) {
            assertEquals(0, f.get("error_code").asInt(), f.toString());
            String text = f.get("text").asText();
            assertTrue(text.startsWith(previous), "cumulative: '" + text + "' extends '" + previous + "'");
            previous = text;
        }
        String answer = engineGreedy(prompt, "img_landscape_200x150.png", 8);
        assertEquals(prompt + answer, s.last().get("text").asText(), "the prompt is echoed, then the engine's greedy answer");
        assertEquals("length", s.last().get("finish_reason").asText());
        assertEquals(8, s.last().get("usage").get("completion_tokens").asInt());
        double speed = worker1.status().speed();
        System.out.println("[worker] " + s.frames().size() + " frames; measured speed " + speed + " tokens/s");
        assertNotEquals(1.0, speed, "speed is measured once a generation has been timed");
    }

    @Test
    void theControllerProxiesTheStreamAndReportsMissingWorkers() throws Exception {
        String prompt = prompt("Describe the colours.");
        LlavaWire.Stream s = LlavaWire.stream(c("/worker_generate_stream"), gradioPayload(NAME, prompt, List.of(b64("img_tiny_30x30.png")), 6));
        assertEquals(200, s.status());
        assertEquals(prompt + engineGreedy(prompt, "img_tiny_30x30.png", 6), s.last().get("text").asText());
        for (JsonNode f : s.frames()) assertEquals(0, f.get("error_code").asInt());
        LlavaWire.Stream none = LlavaWire.stream(c("/worker_generate_stream"), gradioPayload("no-such-model", prompt, List.of(), 4));
        assertEquals(1, none.frames().size());
        assertEquals(LlavaProtocol.NO_WORKER, none.last().get("error_code").asInt());
        assertEquals(LlavaProtocol.SERVER_ERROR_MSG, none.last().get("text").asText());
    }

    @Test
    void badWorkerRequestsAreErrorFramesAndTheWorkerKeepsServing() throws Exception {
        String url = worker1.address() + "/worker_generate_stream";
        String prompt = prompt("x");
        LlavaWire.Raw notJson = LlavaWire.postRaw(url, "{not json");
        assertEquals(400, notJson.status());
        assertError(LlavaWire.stream(url, JSON.createObjectNode().put("model", NAME)), 400, "'prompt'");
        assertError(LlavaWire.stream(url, gradioPayload(NAME, prompt, List.of(b64("img_tiny_30x30.png"), b64("img_tiny_30x30.png")), 2)),
                400, "Number of images does not match number of <image> tokens");
        assertError(LlavaWire.stream(url, gradioPayload(NAME, prompt, List.of("@@@@"), 2)), 400, "not a readable image");
        assertError(LlavaWire.stream(url, gradioPayload(NAME, prompt, List.of(Base64.getEncoder().encodeToString("not an image".getBytes())), 2)),
                400, "not a readable image");
        assertError(LlavaWire.stream(url, gradioPayload(NAME, prompt, List.of(), 2)), 400, "image");
        assertError(LlavaWire.stream(url, gradioPayload(NAME, prompt, List.of(b64("img_tiny_30x30.png")), 2).put("top_p", 0)), 400, "topP");
        // no room left: the original's message, with error_code 0
        LlavaWire.Stream full = LlavaWire.stream(url, gradioPayload(NAME, prompt, List.of(b64("img_tiny_30x30.png")), 0));
        assertEquals(prompt + LlavaProtocol.EXCEEDS_CONTEXT_MSG, full.last().get("text").asText());
        assertEquals(0, full.last().get("error_code").asInt());
        // control endpoints: FastAPI-like answers
        assertEquals(400, LlavaWire.postRaw(c("/register_worker"), "{\"worker_name\": \"http://x\"}").status());
        assertEquals(400, LlavaWire.postRaw(c("/get_worker_address"), "{}").status());
        assertEquals(400, LlavaWire.postRaw(c("/receive_heart_beat"), "[1]").status());
        assertEquals(404, LlavaWire.postRaw(c("/no_such_endpoint"), "{}").status());
        assertEquals(404, LlavaWire.postRaw(worker1.address() + "/worker_get_status_x", "{}").status());
        assertEquals(405, LlavaWire.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(c("/list_models"))).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        LlavaWire.Stream ok = LlavaWire.stream(url, gradioPayload(NAME, prompt("still there?"), List.of(b64("img_tiny_30x30.png")), 2));
        assertEquals(0, ok.last().get("error_code").asInt());
    }

    static void assertError(LlavaWire.Stream s, int status, String fragment) {
        assertEquals(status, s.status(), s.frames().toString());
        assertEquals(1, s.frames().size());
        assertEquals(LlavaProtocol.WORKER_ERROR, s.last().get("error_code").asInt());
        assertTrue(s.last().get("text").asText().contains(fragment), s.last().toString());
        System.out.println("[error " + status + "] " + s.last().get("text").asText());
    }

    /** A request held inside the backend: queue_length is real (worker and controller see it) and the bound holds. */
    @Test
    void queueLengthIsRealAndAFullQueueIsRefused() throws Exception {
        CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
        GenerationBackend serial = GenerationBackend.serial();
        GenerationBackend gated = (m, p, params, onText) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return serial.generate(m, p, params, onText);
        };
        ModelWorker w = worker(model1, "gated-model", gated, 1);
        try {
            String prompt = prompt("Wait.");
            CompletableFuture<LlavaWire.Stream> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return LlavaWire.stream(w.address() + "/worker_generate_stream", gradioPayload("gated-model", prompt, List.of(b64("img_tiny_30x30.png")), 3));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            entered.await();
            assertEquals(1, LlavaWire.post(w.address() + "/worker_get_status", null).get("queue_length").asInt());
            await("the controller hears queue_length 1", () -> controller.registry.queueLength(w.address()) == 1);
            LlavaWire.Stream busy = LlavaWire.stream(w.address() + "/worker_generate_stream", gradioPayload("gated-model", prompt, List.of(b64("img_tiny_30x30.png")), 3));
            assertError(busy, 503, "busy");
            release.countDown();
            LlavaWire.Stream done = first.get();
            assertEquals(0, done.last().get("error_code").asInt());
            assertEquals(prompt + engineGreedy(prompt, "img_tiny_30x30.png", 3), done.last().get("text").asText());
            await("the queue is empty again", () -> w.status().queueLength() == 0 && controller.registry.queueLength(w.address()) == 0);
        } finally {
            release.countDown();
            w.close();
        }
    }

    /** A client that goes away mid-stream, here behind the controller's proxy, ends the worker's generation. */
    @Test
    void aClientThatDisconnectsCancelsTheGeneration() throws Exception {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        GenerationBackend serial = GenerationBackend.serial();
        GenerationBackend watched = (m, p, params, onText) -> {
            try {
                // at least 5 ms a piece, so 1024 tokens take seconds however fast the machine is
                Generator.Result r = serial.generate(m, p, params, text -> {
                    onText.accept(text);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                ended.complete(null);
                return r;
            } catch (RuntimeException e) {
                ended.complete(e);
                throw e;
            }
        };
        ModelWorker w = worker(model1, "cancel-model", watched, 2);
        try {
            ObjectNode payload = gradioPayload("cancel-model", prompt("Tell a long story."), List.of(b64("img_tiny_30x30.png")), 1024);
            java.net.http.HttpResponse<java.io.InputStream> r = LlavaWire.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(c("/worker_generate_stream")))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(payload.toString())).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            FrameReader frames = new FrameReader(r.body());
            assertEquals(0, JSON.readTree(frames.next()).get("error_code").asInt(), "the first frame arrives");
            r.body().close();
            Throwable why = ended.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(why != null, "the generation was cut short, not run to its 1024 tokens");
            System.out.println("[cancel] generation ended by " + why);
            await("the worker's queue is empty", () -> w.status().queueLength() == 0);
        } finally {
            w.close();
        }
    }

    /** A restarted controller knows no one: each worker hears exist=false on its next heartbeat and registers again. */
    @Test
    void workersRejoinARestartedController() throws Exception {
        Controller first = new Controller(ControllerConfig.defaults().withPort(0).withExpiration(EXPIRY)).start();
        int port = first.port();
        ModelWorker w = new ModelWorker(model1, "rejoin-model", WorkerConfig.defaults(first.url()).withPort(0).withHeartBeat(BEAT), GenerationBackend.serial()).start();
        try {
            assertEquals(List.of("rejoin-model"), models(first.url()));
            first.close();
            try (Controller second = new Controller(ControllerConfig.defaults().withPort(port).withExpiration(EXPIRY)).start()) {
                assertTrue(models(second.url()).isEmpty(), "a new controller starts empty");
                await("the worker registers with the restarted controller", () -> second.registry.contains(w.address()));
                assertEquals(List.of("rejoin-model"), models(second.url()));
            }
        } finally {
            w.close();
        }
    }
}
