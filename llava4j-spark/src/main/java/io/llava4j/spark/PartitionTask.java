package io.llava4j.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.util.LongAccumulator;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * What one Spark task does, on an executor: answer a partition's items with the JVM's cached model, write the
 * answers and bad items to temporary files, and commit them atomically. Bad items (unreadable media, a prompt
 * longer than the model's context) are written down with their reason; anything else fails the task, so Spark
 * retries it and the uncommitted temporary files are simply left behind.
 */
final class PartitionTask {
    /** A partition: its number (fixed for the job, names the output file) and its items. */
    record Partition(int id, List<BatchItem> items) implements Serializable {}

    /** What a task reports back to the driver: counts only, never answers or media. */
    record Result(int partition, int answered, int errors, boolean skipped) implements Serializable {}

    private PartitionTask() {}

    static Result run(BatchSpec spec, Partition p, LongAccumulator itemsDone) throws IOException {
        OutputLayout out = new OutputLayout(Path.of(spec.output()));
        if (out.committed(p.id())) return new Result(p.id(), 0, 0, true); // a retry or a rerun after the commit
        TaskContext ctx = TaskContext.get();
        long attempt = ctx == null ? System.nanoTime() : ctx.taskAttemptId();
        ItemAnswerer answerer = new ItemAnswerer(ModelCache.get(spec), spec);
        Path tmpAnswers = out.temporary(p.id(), attempt, "answers"), tmpErrors = out.temporary(p.id(), attempt, "errors");
        Files.createDirectories(tmpAnswers.getParent());
        int answered = 0, errors = 0;
        try (BufferedWriter answers = Files.newBufferedWriter(tmpAnswers, StandardCharsets.UTF_8);
             BufferedWriter bad = Files.newBufferedWriter(tmpErrors, StandardCharsets.UTF_8)) {
            for (BatchItem item : p.items()) {
                String row;
                try {
                    row = answerer.answer(item);
                } catch (IllegalArgumentException | io.llava4j.media.MediaException | IOException | java.io.UncheckedIOException e) {
                    bad.write(ItemAnswerer.error(item, e));
                    bad.write('\n');
                    errors++;
                    itemsDone.add(1);
                    continue;
                }
                answers.write(row);
                answers.write('\n');
                answered++;
                itemsDone.add(1);
                if (spec.failFirstAttemptOf().contains(p.id()) && ctx != null && ctx.attemptNumber() == 0) {
                    answers.flush();
                    throw new IllegalStateException("injected failure in the first attempt of partition " + p.id() + " after " + answered + " answers");
                }
            }
        }
        sync(tmpAnswers);
        sync(tmpErrors);
        out.commit(p.id(), tmpAnswers, tmpErrors);
        return new Result(p.id(), answered, errors, false);
    }

    /** Makes the file's bytes durable before the rename that publishes it. */
    private static void sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
