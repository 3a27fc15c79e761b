package io.llava4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llava4j eval score --benchmark NAME --data DIR [--json] [--judge-replay FILE] [--out FILE]}. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Benchmark evaluation.",
        subcommands = {EvalCommand.Score.class})
public final class EvalCommand implements Runnable {
    @Override public void run() { throw new EvalException("a subcommand is required: score"); }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score a benchmark's answers with the official metric rules (no model needed).")
    public static final class Score implements Callable<Integer> {
        @Option(names = "--benchmark", required = true, paramLabel = "NAME", description = "pope, textvqa, scienceqa, gqa, mme, mvbench, videochatgpt_qa")
        String benchmark;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "Benchmark folder (official file names; answers under answers/).")
        Path data;

        @Option(names = "--json", description = "Print one JSON object {\"benchmark\", \"metrics\"}.")
        boolean json;

        @Option(names = "--judge-replay", paramLabel = "FILE", description = "Recorded judge replies instead of a live judge.")
        Path judgeReplay;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON result to FILE.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(data)) throw new EvalException("benchmark folder not found: " + data);
            Scorer s = Scorers.get(benchmark);
            ObjectNode result = Jsonl.MAPPER.createObjectNode().put("benchmark", s.name());
            result.set("metrics", s.score(data, new Scorer.ScoreOptions(judgeReplay)));
            String text = Jsonl.MAPPER.writeValueAsString(result);
            if (out != null) Files.writeString(out, text + "\n");
            System.out.println(json ? text : Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            return 0;
        }
    }
}
