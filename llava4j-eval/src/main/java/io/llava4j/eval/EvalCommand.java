package io.llava4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llava4j eval score --benchmark NAME --data DIR [--json] [--judge-replay FILE] [--out FILE]}. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Benchmark evaluation.",
        subcommands = {EvalCommand.Score.class, EvalCommand.Convert.class, EvalCommand.ReportCmd.class})
public final class EvalCommand implements Runnable {
    @Override public void run() { throw new EvalException("a subcommand is required: score"); }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Tables (markdown, JSON) and an HTML page with bar charts from several 'eval score --out' results.")
    public static final class ReportCmd implements Callable<Integer> {
        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "RESULT.json") java.util.List<Path> results;

        @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

        @Override
        public Integer call() throws Exception {
            Report.write(results, out);
            System.out.println(out.resolve("report.html"));
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Write the upload file of a benchmark scored by its server (vqav2, vizwiz, seed) or the GQA evaluation input (gqa).")
    public static final class Convert implements Callable<Integer> {
        @Option(names = "--benchmark", required = true, paramLabel = "NAME", description = "vqav2, vizwiz, seed, gqa, mmvet (answers jsonl -> the MM-Vet grader's results json, e.g. after merging chunks)")
        String benchmark;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "Benchmark folder (for vqav2: the --dir of the LLaVA script).")
        Path data;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the converted file.")
        Path out;

        @Option(names = "--split", defaultValue = "llava_vqav2_mscoco_test-dev2015", description = "VQAv2 answers split folder (default ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--ckpt", description = "VQAv2 checkpoint folder name under answers/<split>/.")
        String ckpt;

        @Override
        public Integer call() throws Exception {
            Converters.Output o = switch (benchmark) {
                case "vizwiz" -> Converters.vizwiz(data);
                case "seed" -> Converters.seed(data);
                case "gqa" -> new Converters.Output("", GqaScorer.convertedJson(data));
                case "mmvet" -> new Converters.Output("", OpenQuestionPrompts.mmvetResultsJson(Jsonl.answers(data)));
                case "vqav2" -> {
                    if (ckpt == null) throw new EvalException("vqav2 needs --ckpt (the folder under answers/" + split + "/)");
                    yield Converters.vqav2(data, split, ckpt);
                }
                default -> throw new EvalException("no converter for '" + benchmark + "' (vqav2, vizwiz, seed, gqa, mmvet)");
            };
            System.out.print(o.printed());
            Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".convert", ".tmp");
            Files.writeString(tmp, o.file());
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return 0;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score a benchmark's answers with the official metric rules (no model needed).")
    public static final class Score implements Callable<Integer> {
        @Option(names = "--benchmark", required = true, paramLabel = "NAME", description = "pope, textvqa, scienceqa, gqa, mme, mvbench, mvbench_pllava, mmbench, videochatgpt_qa, llavabench (judged), llavabench_review, mmvet (judged), vcgbench (judged)")
        String benchmark;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "Benchmark folder (official file names; answers under answers/).")
        Path data;

        @Option(names = "--json", description = "Print one JSON object {\"benchmark\", \"metrics\"}.")
        boolean json;

        @Option(names = "--judge-replay", paramLabel = "FILE", description = "Recorded judge replies instead of a live judge.")
        Path judgeReplay;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON result to FILE.")
        Path out;

        @Option(names = "--judge-url", paramLabel = "URL", description = "OpenAI-compatible endpoint of the judge, e.g. http://127.0.0.1:8000/v1.")
        String judgeUrl;

        @Option(names = "--judge-model", paramLabel = "NAME", description = "Judge model (default: the official script's: gpt-3.5-turbo for videochatgpt_qa, gpt-4-0314 for llavabench, gpt-4-0613 for mmvet, gpt-3.5-turbo-0125 for vcgbench).")
        String judgeModel;

        @Option(names = "--judge-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY", description = "Environment variable holding the judge's API key (default ${DEFAULT-VALUE}).")
        String judgeKeyEnv;

        @Option(names = "--judge-retries", paramLabel = "N", defaultValue = "5", description = "Retries of a failed judge request (network error, HTTP 429/5xx), with exponential backoff (default ${DEFAULT-VALUE}).")
        int judgeRetries;

        @Option(names = "--judge-backoff-ms", paramLabel = "MS", defaultValue = "500", description = "First backoff before a retry, doubled each time, at most 30 s (default ${DEFAULT-VALUE}).")
        long judgeBackoffMs;

        @Option(names = "--model-name", paramLabel = "NAME", description = "Recorded in the result (which model answered).")
        String modelName;

        @Option(names = "--data-revision", paramLabel = "REV", description = "Recorded in the result (which data version).")
        String dataRevision;

        @Option(names = "--frame-sampler", paramLabel = "DESC", description = "Recorded in the result (video frame sampling used).")
        String frameSampler;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(data)) throw new EvalException("benchmark folder not found: " + data);
            Scorer s = Scorers.get(benchmark);
            JudgeClient judge = judgeUrl == null ? null
                    : new JudgeClient(judgeUrl, judgeModel != null ? judgeModel : s.defaultJudgeModel(), System.getenv(judgeKeyEnv),
                    data.resolve("judge_cache.jsonl"), judgeRetries, judgeBackoffMs);
            ObjectNode result = Jsonl.MAPPER.createObjectNode().put("benchmark", s.name());
            if (modelName != null) result.put("model", modelName);
            if (dataRevision != null) result.put("data_revision", dataRevision);
            if (frameSampler != null) result.put("frame_sampler", frameSampler);
            if (judge != null) result.put("judge", judge.model() + " @ " + judgeUrl);
            else if (judgeReplay != null) result.put("judge", "replay " + judgeReplay.getFileName());
            result.set("metrics", s.score(data, new Scorer.ScoreOptions(judgeReplay, judge)));
            String text = Jsonl.MAPPER.writeValueAsString(result);
            if (out != null) Files.writeString(out, text + "\n");
            System.out.println(json ? text : Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            return 0;
        }
    }
}
