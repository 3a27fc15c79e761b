package io.llava4j.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --log-file}: one JSON object per optimizer step ({@code step, loss, learning_rate, grad_norm, tokens,
 * seconds, epoch}), flushed after each line. On resume the lines after the checkpoint's step are dropped first, so
 * the file reads like one uninterrupted run.
 */
final class StepLog implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    private StepLog(BufferedWriter out) { this.out = out; }

    static StepLog open(Path file, long keepThroughStep) throws IOException {
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    continue; // a line cut by a kill
                }
                if (n.path("step").asLong(Long.MAX_VALUE) <= keepThroughStep) kept.add(line);
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
        }
        return new StepLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    void write(StepRecord r) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", r.step()).put("loss", r.loss()).put("learning_rate", r.learningRate()).put("grad_norm", r.gradNorm())
                .put("tokens", r.tokens()).put("seconds", r.seconds()).put("epoch", r.epoch());
        out.write(JSON.writeValueAsString(n));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException { out.close(); }
}
