package io.llava4j.server.batch;

import io.llava4j.engine.Decoding;
import io.llava4j.generate.SamplingParams;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching on one engine thread. Requests wait in a bounded queue (full: {@link QueueFullException}).
 * Each loop iteration admits at most one waiting request while batch slots are free (its prompt prefilled into its
 * own KV cache), then runs ONE decode step for every running sequence together ({@link DecoderLm#decodeBatch}).
 * Sequences join and leave between steps; a cancelled one is dropped at the next step, a cancelled waiter leaves
 * the queue at once. Per sequence, sampling, EOS, stop strings and text follow {@link Decoding}, as in
 * {@link io.llava4j.engine.Generator}, and decodeBatch rows equal single steps bitwise: answers do not depend on
 * what else is in the batch (greedy = one-at-a-time greedy).
 */
public final class BatchScheduler implements GenerationService {

    /** Counters for /metrics. */
    public static final class Stats {
        public final AtomicLong decodeSteps = new AtomicLong(), sequenceSteps = new AtomicLong(), cancelled = new AtomicLong(),
                rejected = new AtomicLong(), prefillNanos = new AtomicLong(), decodeNanos = new AtomicLong();
        /** Sequences in the latest decode step. */
        public volatile int lastBatchSize;
        /** Largest batch seen. */
        public volatile int peakBatchSize;
    }

    private final VisionLanguageModel model;
    private final DecoderLm lm;
    private final int maxBatch, queueDepth;
    private final ArrayBlockingQueue<Job> queue;
    private final Thread thread;
    private final Stats stats = new Stats();
    private List<Sequence> active = new ArrayList<>();
    private volatile int runningCount;
    private volatile boolean closed;
    private volatile long stepPauseNanos;

    /**
     * @param maxBatch   most sequences decoded together (1 = one request at a time)
     * @param queueDepth most requests waiting for a slot (0 = refuse when every slot is busy)
     */
    public BatchScheduler(VisionLanguageModel model, int maxBatch, int queueDepth) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        if (queueDepth < 0) throw new IllegalArgumentException("queueDepth must be >= 0, got " + queueDepth);
        this.model = model;
        this.lm = model.languageModel();
        this.maxBatch = maxBatch;
        this.queueDepth = queueDepth;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueDepth));
        this.thread = Thread.ofPlatform().name("llava4j-batch").daemon(true).start(this::loop);
    }

    public Stats stats() { return stats; }

    public int maxBatch() { return maxBatch; }

    /** Sleeps this long after each decode step (tests and demos slow the engine down to watch batching and cancellation). */
    public void setStepPause(long nanos) { stepPauseNanos = nanos; }

    @Override
    public int waiting() { return queue.size(); }

    @Override
    public int running() { return runningCount; }

    @Override
    public void checkRoom() {
        if (closed) throw new IllegalStateException("the generation service is closed");
        if (full()) throw queueFull();
    }

    private boolean full() {
        return queueDepth == 0 ? runningCount + queue.size() >= maxBatch : queue.remainingCapacity() == 0;
    }

    private QueueFullException queueFull() {
        stats.rejected.incrementAndGet();
        return new QueueFullException("the server is busy: " + runningCount + " requests running, " + queue.size()
                + " waiting (queue limit " + queueDepth + "); retry later", 1);
    }

    @Override
    public Generation submit(MultimodalPrompt prompt, SamplingParams params) {
        if (closed) throw new IllegalStateException("the generation service is closed");
        Job job = new Job(prompt, params);
        if (queueDepth == 0 && runningCount + queue.size() >= maxBatch || !queue.offer(job)) throw queueFull();
        job.gen.onCancel(() -> {
            if (queue.remove(job)) stats.cancelled.incrementAndGet(); // never started; a running one is dropped by the engine
        });
        return job.gen;
    }

    private record Job(MultimodalPrompt prompt, SamplingParams params, Generation gen) {
        Job(MultimodalPrompt prompt, SamplingParams params) { this(prompt, params, new Generation()); }
    }

    private void loop() {
        while (!closed) {
            try {
                Job j = active.isEmpty() ? queue.poll(100, TimeUnit.MILLISECONDS) : active.size() < maxBatch ? queue.poll() : null;
                if (j != null) admit(j);
                runningCount = active.size();
                if (!active.isEmpty()) step();
            } catch (InterruptedException e) {
                if (closed) break;
            } catch (Throwable e) {
                // a failed step fails what runs, and the engine keeps serving
                for (Sequence s : active) s.gen.emit(new Generation.Event.Failed(asRuntime(e)));
                active = new ArrayList<>();
            }
            runningCount = active.size();
        }
        IllegalStateException bye = new IllegalStateException("the server is shutting down");
        for (Sequence s : active) s.gen.emit(new Generation.Event.Failed(bye));
        for (Job j; (j = queue.poll()) != null; ) j.gen.emit(new Generation.Event.Failed(bye));
    }

    private static RuntimeException asRuntime(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof OutOfMemoryError) return new IllegalStateException("out of memory while generating; retry later or with less input", t);
        return new IllegalStateException("internal error: " + t, t);
    }

    /** Prefills the prompt into a new KV cache; the request joins the batch with its first logits. */
    private void admit(Job job) {
        if (job.gen.cancelled()) {
            stats.cancelled.incrementAndGet();
            return;
        }
        try {
            MultimodalPrompt p = job.prompt;
            int n = p.length(), ctx = lm.config().maxPositions();
            if (n >= ctx) throw new IllegalArgumentException("the prompt has " + n + " positions, the model's limit is " + ctx);
            int maxNew = Math.min(job.params.maxNewTokens(), ctx - n);
            KvCache cache = lm.newCache(n + maxNew);
            long t0 = System.nanoTime();
            float[] logits = lm.forward(p.embeddings(lm), n, cache, false);
            stats.prefillNanos.addAndGet(System.nanoTime() - t0);
            Generation g = job.gen;
            Decoding d = new Decoding(model, p.inputIds(), job.params, maxNew, s -> g.emit(new Generation.Event.Text(s)));
            active.add(new Sequence(g, d, cache, n, logits));
            runningCount = active.size(); // counted before the front end hears it started
            g.emit(new Generation.Event.Started(n));
        } catch (Throwable e) {
            job.gen.emit(new Generation.Event.Failed(asRuntime(e)));
        }
    }

    /** Samples one token for every running sequence, then one batched forward for those that go on. */
    private void step() {
        List<Sequence> next = new ArrayList<>(active.size());
        for (Sequence s : active) {
            if (s.gen.cancelled()) {
                stats.cancelled.incrementAndGet();
                continue;
            }
            try {
                if (s.advance()) next.add(s);
            } catch (RuntimeException e) {
                s.gen.emit(new Generation.Event.Failed(e));
            }
        }
        active = next;
        runningCount = next.size();
        if (next.isEmpty()) return;
        int b = next.size(), h = lm.config().hiddenSize(), vocab = lm.config().vocabSize();
        float[] x = new float[b * h];
        KvCache[] caches = new KvCache[b];
        for (int i = 0; i < b; i++) {
            lm.embed(next.get(i).token, x, i);
            caches[i] = next.get(i).cache;
        }
        long t0 = System.nanoTime();
        float[] logits = lm.decodeBatch(x, caches);
        stats.decodeNanos.addAndGet(System.nanoTime() - t0);
        stats.decodeSteps.incrementAndGet();
        stats.sequenceSteps.addAndGet(b);
        stats.lastBatchSize = b;
        if (b > stats.peakBatchSize) stats.peakBatchSize = b;
        for (int i = 0; i < b; i++) next.get(i).logits = Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
        long pause = stepPauseNanos;
        if (pause > 0) {
            try {
                Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One running request: its decoding state, cache and the logits of its latest position. */
    private static final class Sequence {
        final Generation gen;
        final Decoding decoding;
        final KvCache cache;
        final int promptTokens;
        float[] logits;
        int token;
        long firstTokenNanos;

        Sequence(Generation gen, Decoding decoding, KvCache cache, int promptTokens, float[] logits) {
            this.gen = gen;
            this.decoding = decoding;
            this.cache = cache;
            this.promptTokens = promptTokens;
            this.logits = logits;
        }

        /** Samples the next token; true when it must run through the model (false: finished, Done emitted). */
        boolean advance() {
            int t = decoding.accept(logits);
            logits = null;
            long now = System.nanoTime();
            if (decoding.produced() == 1) firstTokenNanos = now;
            if (t >= 0) {
                token = t;
                return true;
            }
            gen.emit(new Generation.Event.Done(promptTokens, decoding.tokenIds(), decoding.text(), decoding.stopReason(),
                    firstTokenNanos - gen.submittedNanos, now - firstTokenNanos));
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
