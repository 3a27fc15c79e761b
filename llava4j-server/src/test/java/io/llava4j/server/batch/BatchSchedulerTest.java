package io.llava4j.server.batch;

import io.llava4j.engine.Generator;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler without HTTP: batched answers equal one-at-a-time generation; queue bounds; cancellation frees slots. */
class BatchSchedulerTest {
    static VisionLanguageModel model;
    static List<MultimodalPrompt> prompts = new ArrayList<>();

    @BeforeAll
    static void load() {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        model = ModelRegistry.load(dir, LoadOptions.defaults());
        RgbImage landscape = ImageDecoder.decode(dir.resolve("golden/img_landscape_200x150.png"));
        RgbImage portrait = ImageDecoder.decode(dir.resolve("golden/img_portrait_120x240.png"));
        prompts.add(model.prepare("USER: <image>\nWhat is shown in this image? ASSISTANT:", List.of(landscape), List.of()));
        prompts.add(model.prepare("USER: Hello there! ASSISTANT:", List.of(), List.of()));
        prompts.add(model.prepare("USER: <image>\n<image>\nCompare them. ASSISTANT:", List.of(portrait, landscape), List.of()));
        prompts.add(model.prepare("USER: Count to five. ASSISTANT:", List.of(), List.of()));
        prompts.add(model.prepare("USER: <image>\nDescribe. ASSISTANT:", List.of(portrait), List.of()));
    }

    @AfterAll
    static void close() { model.close(); }

    /** A prompt whose greedy answer does not end by itself within 64 tokens, so only cancellation stops it early. */
    static MultimodalPrompt longRunner() {
        for (MultimodalPrompt p : prompts) {
            if (Generator.generate(model, p, SamplingParams.greedy().withMaxNewTokens(64), null).stopReason() == io.llava4j.generate.StopChecker.Reason.NONE) return p;
        }
        throw new AssertionError("every test prompt ends within 64 tokens");
    }

    static Generation.Event.Done await(Generation g) throws InterruptedException {
        StringBuilder streamed = new StringBuilder();
        while (true) {
            Generation.Event e = g.next(30, TimeUnit.SECONDS);
            if (e == null) throw new AssertionError("no event within 30 s");
            if (e instanceof Generation.Event.Text t) streamed.append(t.delta());
            if (e instanceof Generation.Event.Failed f) throw new AssertionError("failed", f.error());
            if (e instanceof Generation.Event.Done d) {
                assertEquals(d.text(), streamed.toString(), "text deltas add up to the answer");
                return d;
            }
        }
    }

    @Test
    @Timeout(120)
    void batchedAnswersEqualOneAtATimeGeneration() throws Exception {
        // greedy and seeded sampling, different lengths, so sequences join and leave the batch at different steps
        List<SamplingParams> params = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            SamplingParams p = i % 3 == 2 ? new SamplingParams(0.9, 0.95, SamplingParams.DEFAULT_TOP_K, 1.1, 5 + 3 * i, 40L + i, List.of())
                    : SamplingParams.greedy().withMaxNewTokens(5 + 3 * i);
            params.add(p);
        }
        List<Generator.Result> expected = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) expected.add(Generator.generate(model, prompts.get(i % prompts.size()), params.get(i), null));
        try (BatchScheduler s = new BatchScheduler(model, 4, 16)) {
            List<Generation> gens = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) gens.add(s.submit(prompts.get(i % prompts.size()), params.get(i)));
            for (int i = 0; i < gens.size(); i++) {
                Generation.Event.Done d = await(gens.get(i));
                assertEquals(expected.get(i).text(), d.text(), "request " + i);
                assertArrayEquals(expected.get(i).tokenIds(), d.tokenIds(), "request " + i);
                assertEquals(expected.get(i).promptTokens(), d.promptTokens());
            }
            double mean = (double) s.stats().sequenceSteps.get() / s.stats().decodeSteps.get();
            System.out.printf("[batch] %d requests: %d decode steps, mean batch %.2f, peak %d%n", gens.size(),
                    s.stats().decodeSteps.get(), mean, s.stats().peakBatchSize);
            assertTrue(mean > 1.5, "steps were shared: mean batch " + mean);
            assertEquals(4, s.stats().peakBatchSize, "never more than maxBatch");
            long end = System.currentTimeMillis() + 5_000;
            while (s.running() > 0 && System.currentTimeMillis() < end) Thread.sleep(5);
            assertEquals(0, s.running(), "every sequence left the batch");
        }
    }

    @Test
    @Timeout(60)
    void fullQueueRefusesAndCancelledRequestsLeave() throws Exception {
        try (BatchScheduler s = new BatchScheduler(model, 1, 1)) {
            s.setStepPause(5_000_000);
            SamplingParams longAnswer = SamplingParams.greedy().withMaxNewTokens(2000);
            Generation running = s.submit(longRunner(), longAnswer);
            assertInstanceOf(Generation.Event.Started.class, running.next(30, TimeUnit.SECONDS));
            Generation waiting = s.submit(prompts.get(3), longAnswer);
            assertEquals(1, s.waiting());
            QueueFullException full = assertThrows(QueueFullException.class, () -> s.submit(prompts.get(0), longAnswer));
            assertTrue(full.getMessage().contains("busy") && full.retryAfterSeconds() > 0, full.getMessage());
            assertThrows(QueueFullException.class, s::checkRoom);
            waiting.cancel();
            assertEquals(0, s.waiting(), "a cancelled waiter leaves the queue at once");
            long steps = s.stats().decodeSteps.get();
            running.cancel();
            long end = System.currentTimeMillis() + 10_000;
            while (s.running() > 0 && System.currentTimeMillis() < end) Thread.sleep(10);
            assertEquals(0, s.running(), "a cancelled sequence is dropped at the next step");
            assertTrue(s.stats().decodeSteps.get() - steps < 1000, "stopped long before 2000 tokens");
            assertEquals(2, s.stats().cancelled.get());
            s.setStepPause(0);
            assertEquals(3, await(s.submit(prompts.get(0), SamplingParams.greedy().withMaxNewTokens(3))).tokenIds().length, "still serving");
        }
    }

    @Test
    @Timeout(60)
    void blockingUseEqualsGeneratorAndAThrowingCallbackCancels() throws Exception {
        try (BatchScheduler s = new BatchScheduler(model, 4, 4)) {
            SamplingParams p = SamplingParams.greedy().withMaxNewTokens(12);
            Generator.Result expected = Generator.generate(model, prompts.get(0), p, null);
            StringBuilder streamed = new StringBuilder();
            Generator.Result got = BlockingGeneration.run(s, prompts.get(0), p, streamed::append);
            assertArrayEquals(expected.tokenIds(), got.tokenIds());
            assertEquals(expected.text(), got.text());
            assertEquals(expected.text(), streamed.toString());
            assertEquals(expected.stopReason(), got.stopReason());

            s.setStepPause(2_000_000);
            class Gone extends RuntimeException {}
            assertThrows(Gone.class, () -> BlockingGeneration.run(s, longRunner(), SamplingParams.greedy().withMaxNewTokens(2000), t -> { throw new Gone(); }));
            long end = System.currentTimeMillis() + 10_000;
            while ((s.running() > 0 || s.stats().cancelled.get() == 0) && System.currentTimeMillis() < end) Thread.sleep(10);
            assertEquals(0, s.running(), "the abandoned request left the batch");
            assertEquals(1, s.stats().cancelled.get());
        }
    }
}
