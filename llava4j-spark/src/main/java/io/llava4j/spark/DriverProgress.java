package io.llava4j.spark;

import org.apache.spark.Success$;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The driver's progress line (items done, items/s, ETA). Items of finished tasks come from task-end events; items of
 * running tasks from the item accumulator's partial values that executors send with their heartbeats. A failed
 * attempt's partial count is dropped, so a retried partition is not counted twice.
 */
final class DriverProgress extends SparkListener {
    private final long total, alreadyDone, accumulatorId;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final AtomicLong finished = new AtomicLong(), failedAttempts = new AtomicLong();
    private final Map<Long, Long> running = new ConcurrentHashMap<>();
    private final boolean tty = System.console() != null;
    private volatile long lastPrint;
    private String lastLine = "";

    DriverProgress(long total, long alreadyDone, long accumulatorId, PrintStream out) {
        this.total = total;
        this.alreadyDone = alreadyDone;
        this.accumulatorId = accumulatorId;
        this.out = out;
        if (alreadyDone > 0) out.println("batch: resuming, " + alreadyDone + " of " + total + " items already committed");
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
        if (end.reason() == Success$.MODULE$) finished.addAndGet(itemsIn(end.taskInfo().accumulables()));
        else failedAttempts.incrementAndGet();
        print(false);
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> t : CollectionConverters.asJava(update.accumUpdates())) {
            long n = itemsIn(t._4());
            if (n > 0) running.put((Long) t._1(), n);
        }
        print(false);
    }

    private long itemsIn(scala.collection.Seq<AccumulableInfo> infos) {
        for (AccumulableInfo a : CollectionConverters.asJava(infos)) {
            if (a.id() == accumulatorId && a.update().isDefined()) return ((Number) a.update().get()).longValue();
        }
        return 0;
    }

    /** Task attempts that failed (and were retried, or failed the job). */
    long failedAttempts() { return failedAttempts.get(); }

    /** Items done so far in this run (committed before the run not included). */
    long done() {
        return finished.get() + running.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Prints the line at most every 2 s (always when {@code force}). */
    synchronized void print(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastPrint < 2_000_000_000L) return;
        lastPrint = now;
        long fresh = done(), doneAll = Math.min(total, alreadyDone + fresh);
        double secs = (now - start) / 1e9, rate = fresh / Math.max(1e-9, secs);
        long eta = rate > 0 ? Math.round((total - doneAll) / rate) : -1;
        String line = String.format("batch: %d/%d items  %.2f items/s  ETA %s", doneAll, total, rate,
                eta < 0 ? "?" : eta / 60 + "m" + eta % 60 + "s");
        String counts = line.substring(0, line.indexOf("items") + 5);
        if (force && !tty && lastLine.equals(counts)) return; // the last task's line already said it
        lastLine = counts;
        if (tty) out.print("\r" + line + (force ? "\n" : ""));
        else out.println(line);
    }
}
