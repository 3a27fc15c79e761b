package io.llava4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.model.LoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.llava4j.server.Expected.LANDSCAPE;
import static io.llava4j.server.Expected.PORTRAIT;
import static io.llava4j.server.Expected.TINY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded load run on the tiny fixture: the same 48 requests (image + question, 48 new tokens, half streamed) from
 * 8 concurrent clients against continuous batching (max batch 8) and against one-at-a-time (max batch 1), twice each,
 * alternating, so JIT warm-up favours neither (the second pair is the one compared). Reports
 * requests/s, p50/p95 latency, decode tokens/s, mean batch and peak heap in [load] lines and target/load-report.txt.
 * Timings are reported, not asserted (a shared 2-core machine is noisy); what is asserted is that every answer is
 * the one-at-a-time greedy answer. More requests: -Dllava4j.load.requests=N.
 */
class LoadTest {
    static final int CLIENTS = 8, MAX_TOKENS = 48;

    record Figures(int maxBatch, int requests, double seconds, double p50, double p95, double tokensPerSecond, double meanBatch, long peakHeapBytes) {
        String line() {
            return String.format("max batch %d: %d requests in %.2f s = %.2f req/s, latency p50 %.0f ms p95 %.0f ms, %.0f generated tokens/s, mean batch %.2f, peak heap %d MiB",
                    maxBatch, requests, seconds, requests / seconds, p50, p95, tokensPerSecond, meanBatch, peakHeapBytes >> 20);
        }
    }

    @Test
    @Timeout(600)
    void batchedVersusOneAtATime() throws Exception {
        int n = Integer.getInteger("llava4j.load.requests", 48);
        List<Path> pool = List.of(LANDSCAPE, PORTRAIT, TINY);
        List<String> questions = List.of("What is shown in this image?", "Describe the colours.", "What is in the corner?", "Is it day or night?");
        List<ObjectNode> reqs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String q = questions.get(i % questions.size());
            Path img = pool.get(i % pool.size());
            reqs.add(ConcurrencyTest.request(q, MAX_TOKENS, List.of(img)).put("stream", i % 2 == 1));
            expected.add(Expected.greedy(q, MAX_TOKENS, List.of(img)));
        }
        StringBuilder report = new StringBuilder();
        Figures serial = null, batched = null;
        for (int round = 0; round < 2; round++) {
            serial = run(1, reqs, expected);
            batched = run(8, reqs, expected);
            report.append("[load] round ").append(round + 1).append(", ").append(serial.line()).append('\n');
            report.append("[load] round ").append(round + 1).append(", ").append(batched.line()).append('\n');
        }
        report.append(String.format("[load] batching (round 2): %.2fx requests/s, p50 latency %.2fx; peak RSS of the test JVM %s; %d cores%n",
                serial.seconds / batched.seconds, batched.p50 / serial.p50, peakRss(), Runtime.getRuntime().availableProcessors()));
        System.out.print(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "load-report.txt"), report.toString());
        assertTrue(batched.meanBatch > 1.5, "concurrent requests shared decode steps: " + batched.meanBatch);
        assertEquals(1.0, serial.meanBatch, 1e-9, "max batch 1 decodes one sequence per step");
    }

    static Figures run(int maxBatch, List<ObjectNode> reqs, List<String> expected) throws Exception {
        try (OpenAiServer server = new OpenAiServer(Expected.MODEL, LoadOptions.defaults(),
                ServerConfig.defaults().withPort(0).withBatching(maxBatch, reqs.size()).withFeatureCache(0)).start()) {
            assertTrue(server.awaitReady(60_000));
            ConcurrencyTest.answer(ConcurrencyTest.post(server, reqs.getFirst())); // warm-up (JIT)
            double steps0 = ConcurrencyTest.metric(server, "llava4j_decode_steps_total"), seq0 = ConcurrencyTest.metric(server, "llava4j_decode_sequence_steps_total");
            double tokens0 = ConcurrencyTest.metric(server, "llava4j_completion_tokens_total");
            System.gc();
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            long t0 = System.nanoTime();
            List<Future<double[]>> fs = new ArrayList<>();
            for (int i = 0; i < reqs.size(); i++) {
                int k = i;
                fs.add(clients.submit(() -> {
                    long s = System.nanoTime();
                    String a = ConcurrencyTest.answer(ConcurrencyTest.post(server, reqs.get(k)));
                    assertEquals(expected.get(k), a, "request " + k + " at max batch " + maxBatch);
                    return new double[] {(System.nanoTime() - s) / 1e6};
                }));
            }
            double[] lat = new double[reqs.size()];
            for (int i = 0; i < fs.size(); i++) lat[i] = fs.get(i).get(300, TimeUnit.SECONDS)[0];
            double secs = (System.nanoTime() - t0) / 1e9;
            clients.shutdown();
            long peak = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
            Arrays.sort(lat);
            double steps = ConcurrencyTest.metric(server, "llava4j_decode_steps_total") - steps0;
            double seq = ConcurrencyTest.metric(server, "llava4j_decode_sequence_steps_total") - seq0;
            double tokens = ConcurrencyTest.metric(server, "llava4j_completion_tokens_total") - tokens0;
            return new Figures(maxBatch, reqs.size(), secs, percentile(lat, 0.50), percentile(lat, 0.95), tokens / secs, seq / steps, peak);
        }
    }

    static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) if (l.startsWith("VmHWM:")) return l.substring(6).strip();
        } catch (Exception e) {
            // not Linux
        }
        return "unknown";
    }
}
