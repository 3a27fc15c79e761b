package io.llava4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.train.demo.DemoEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llava4j demo-eval --model DIR --data DIR}: accuracy per question type on the demo's held-out split. */
@Command(name = "demo-eval", mixinStandardHelpOptions = true,
        description = "Ask a model every held-out question of a make-demo-data folder (greedy, chat template) and report accuracy per question type.")
final class DemoEvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder.") Path model;
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Folder written by make-demo-data (test.json + images).") Path data;
    @Option(names = "--limit", defaultValue = "0", description = "Ask only the first N questions (0 = all).") int limit;
    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Answer length limit (default ${DEFAULT-VALUE}).") int maxNewTokens;
    @Option(names = "--out", paramLabel = "FILE.json", description = "Write accuracies and every answer as JSON.") Path out;
    @Option(names = "--verbose", description = "Print each question, answer and verdict.") boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(model)) throw new IllegalArgumentException("model folder " + model + " does not exist");
        if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be >= 1");
        DemoEvaluation.Report r = DemoEvaluation.run(model, data, limit, maxNewTokens, g -> {
            if (verbose) System.err.printf("%s [%s] %s -> %s%n", g.correct() ? "right" : "WRONG", g.question().id(), g.question().question(), g.answer());
        });
        System.out.print(r.table());
        if (out != null) {
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), r.json());
        }
        return 0;
    }
}
