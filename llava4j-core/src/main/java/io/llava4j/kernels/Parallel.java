package io.llava4j.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Splits an index range over the engine's worker threads. The thread count is set once
 * ({@link #setThreads}, default: all cores); small ranges run inline to keep per-call overhead low.
 */
public final class Parallel {
    private static volatile ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
    private static volatile int threads = Runtime.getRuntime().availableProcessors();

    private Parallel() {}

    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        if (n == threads) return;
        ForkJoinPool old = pool;
        pool = new ForkJoinPool(n);
        threads = n;
        old.shutdown();
    }

    public static int threads() { return threads; }

    /** A body over a half-open chunk [from, to). */
    @FunctionalInterface
    public interface RangeBody { void run(int from, int to); }

    /** Runs body over [0, n) in about {@code threads} chunks (inline when n is small or one thread). */
    public static void forRange(int n, int minChunk, RangeBody body) {
        int t = threads;
        if (t == 1 || n <= minChunk || java.util.concurrent.ForkJoinTask.getPool() == pool) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(t * 4, Math.max(1, n / Math.max(1, minChunk)));
        int step = (n + chunks - 1) / chunks;
        pool.invoke(new Split(body, 0, n, step));
    }

    public static void forEach(int n, IntConsumer body) {
        forRange(n, 1, (a, b) -> { for (int i = a; i < b; i++) body.accept(i); });
    }

    private static final class Split extends RecursiveAction {
        final RangeBody body; final int from, to, step;
        Split(RangeBody body, int from, int to, int step) { this.body = body; this.from = from; this.to = to; this.step = step; }
        @Override protected void compute() {
            if (to - from <= step) { body.run(from, to); return; }
            int mid = from + ((to - from) / step / 2) * step;
            if (mid <= from) mid = from + step;
            invokeAll(new Split(body, from, mid, step), new Split(body, mid, to, step));
        }
    }
}
