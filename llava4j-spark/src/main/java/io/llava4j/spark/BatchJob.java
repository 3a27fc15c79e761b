package io.llava4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The driver side of a batch: cut the items into fixed partitions (contiguous, {@code partitionSize} each, so a
 * rerun cuts them the same way), skip partitions already committed, run one Spark task per remaining partition,
 * and report. Only item descriptions go to the executors and only counts come back.
 */
public final class BatchJob {
    /** What a run did. {@code skippedPartitions}: committed before this run. */
    public record Summary(int items, int partitions, int skippedPartitions, int answered, int errors, long failedAttempts, double seconds) {
        public double itemsPerSecond() { return seconds > 0 ? answered / seconds : 0; }
    }

    private BatchJob() {}

    /**
     * @param master     local[N] / local[*] (upgraded to local[N,maxFailures] so tasks are retried), spark://..., k8s://...
     * @param conf       extra Spark settings (spark.* keys)
     */
    public static Summary run(BatchSpec spec, List<BatchItem> items, int partitionSize, String master, int maxFailures,
                              Map<String, String> conf, PrintStream progressOut) throws IOException {
        if (items.isEmpty()) throw new IllegalArgumentException("the input has no items");
        if (partitionSize < 1) throw new IllegalArgumentException("--partition-size must be >= 1, got " + partitionSize);
        if (maxFailures < 1) throw new IllegalArgumentException("--max-failures must be >= 1, got " + maxFailures);
        OutputLayout out = new OutputLayout(Path.of(spec.output()));
        List<PartitionTask.Partition> all = partitions(items, partitionSize);
        JobManifest.claim(out, JobManifest.fingerprint(items, partitionSize, spec), items.size(), all.size());
        List<PartitionTask.Partition> pending = new ArrayList<>();
        long alreadyDone = 0;
        for (PartitionTask.Partition p : all) {
            if (out.committed(p.id())) alreadyDone += p.items().size();
            else pending.add(p);
        }
        long t0 = System.nanoTime();
        int answered = 0, errors = 0;
        long failedAttempts = 0;
        if (!pending.isEmpty()) {
            try (JavaSparkContext sc = new JavaSparkContext(sparkConf(master, maxFailures, conf))) {
                if (!conf.containsKey("spark.log.level")) sc.setLogLevel("WARN");
                LongAccumulator itemsDone = sc.sc().longAccumulator("llava4j items");
                DriverProgress progress = new DriverProgress(items.size(), alreadyDone, itemsDone.id(), progressOut);
                sc.sc().addSparkListener(progress);
                List<PartitionTask.Result> results = sc.parallelize(pending, pending.size())
                        .map(p -> PartitionTask.run(spec, p, itemsDone))
                        .collect();
                progress.print(true);
                failedAttempts = progress.failedAttempts();
                for (PartitionTask.Result r : results) {
                    answered += r.answered();
                    errors += r.errors();
                }
            }
        }
        out.mergeErrors();
        out.removeTemporary(); // every partition is committed: what is left there are failed attempts' leftovers
        return new Summary(items.size(), all.size(), all.size() - pending.size(), answered, errors, failedAttempts, (System.nanoTime() - t0) / 1e9);
    }

    /** The --master given, else the one spark-submit set (spark.master), else the embedded local[*]. */
    public static String master(String given) {
        return given != null ? given : System.getProperty("spark.master", "local[*]");
    }

    static List<PartitionTask.Partition> partitions(List<BatchItem> items, int size) {
        List<PartitionTask.Partition> out = new ArrayList<>();
        for (int from = 0, id = 0; from < items.size(); from += size, id++) {
            out.add(new PartitionTask.Partition(id, List.copyOf(items.subList(from, Math.min(items.size(), from + size)))));
        }
        return out;
    }

    private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)]");

    static SparkConf sparkConf(String master, int maxFailures, Map<String, String> extra) {
        Matcher m = LOCAL.matcher(master);
        boolean local = master.equals("local") || master.startsWith("local[");
        String effective = m.matches() ? "local[" + m.group(1) + "," + maxFailures + "]" : master.equals("local") ? "local[1," + maxFailures + "]" : master;
        SparkConf c = new SparkConf().setMaster(effective).setAppName("llava4j batch")
                .set("spark.task.maxFailures", Integer.toString(maxFailures))
                // partial item counts reach the driver's progress line with each heartbeat
                .set("spark.executor.heartbeatInterval", "2s");
        if (local && System.getenv("SPARK_LOCAL_IP") == null) {
            // embedded: stay on loopback whatever the host name resolves to
            c.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        extra.forEach(c::set);
        return c;
    }
}
