package io.llava4j.spark;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output folder of a batch and its commit protocol. A partition is done exactly when {@code part-NNNNN.jsonl}
 * exists: a task writes into {@code _temporary/} and renames atomically (errors first, answers last), so a crash
 * leaves either nothing or a complete partition, and a rerun or a retried task skips committed partitions.
 * <pre>
 * OUT/_job.json                 what job this folder holds (a rerun with other input or options is refused)
 * OUT/part-00000.jsonl          answers of partition 0
 * OUT/errors/part-00000.jsonl   its bad items {question_id, image|video, reason}
 * OUT/errors.jsonl              every bad item (written when the job ends)
 * OUT/_temporary/               attempts in progress
 * </pre>
 */
final class OutputLayout {
    final Path dir;

    OutputLayout(Path dir) { this.dir = dir; }

    Path answers(int partition) { return dir.resolve(String.format("part-%05d.jsonl", partition)); }

    Path errors(int partition) { return dir.resolve("errors").resolve(String.format("part-%05d.jsonl", partition)); }

    Path allErrors() { return dir.resolve("errors.jsonl"); }

    Path manifest() { return dir.resolve("_job.json"); }

    Path temporary(int partition, long attemptId, String kind) {
        return dir.resolve("_temporary").resolve(String.format("%s-%05d.attempt-%d.jsonl", kind, partition, attemptId));
    }

    boolean committed(int partition) { return Files.isRegularFile(answers(partition)); }

    /** Publishes a finished attempt: its errors file, then its answers file (the commit point). */
    void commit(int partition, Path tmpAnswers, Path tmpErrors) throws IOException {
        Files.createDirectories(errors(partition).getParent());
        move(tmpErrors, errors(partition));
        move(tmpAnswers, answers(partition));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the output folder's file system cannot rename atomically (" + to + "); use a local or POSIX shared file system", e);
        }
    }

    /** Committed answer files in partition (= input) order. */
    List<Path> answerFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("part-\\d{5}\\.jsonl")).sorted().toList();
        }
    }

    /** Deletes _temporary/ and what failed attempts left in it. */
    void removeTemporary() throws IOException {
        Path t = dir.resolve("_temporary");
        if (!Files.isDirectory(t)) return;
        try (Stream<Path> s = Files.list(t)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(t);
    }

    /** Gathers every partition's errors into errors.jsonl (atomically). Returns how many bad items there are. */
    int mergeErrors() throws IOException {
        Path errDir = dir.resolve("errors");
        List<String> lines = new ArrayList<>();
        if (Files.isDirectory(errDir)) {
            try (Stream<Path> s = Files.list(errDir)) {
                for (Path p : s.sorted().toList()) for (String l : Files.readAllLines(p)) if (!l.isBlank()) lines.add(l);
            }
        }
        Path tmp = Files.createTempFile(dir, ".errors", ".tmp");
        Files.write(tmp, lines);
        move(tmp, allErrors());
        return lines.size();
    }
}
