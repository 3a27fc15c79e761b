package io.llava4j.spark;

import io.llava4j.eval.AnswerEngine;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code eval run --engine spark}: the benchmark's question file goes through the same batch job, into a work
 * folder beside the answer file ({@code answers/.NAME.jsonl.spark/}, resumable), and the committed partitions are
 * joined in question order into the answer file the scorers read.
 */
public final class SparkAnswerEngine implements AnswerEngine {
    @Override
    public String name() { return "spark"; }

    @Override
    public int answer(Request r) throws Exception {
        List<BatchItem> items = BatchInput.read(r.questions(), r.images(), null);
        if (r.limit() != null) items = items.subList(0, Math.min(r.limit(), items.size()));
        Path work = r.answers().resolveSibling("." + r.answers().getFileName() + ".spark");
        BatchSpec spec = withModelArgs(BatchSpec.greedy(r.model(), r.maxNewTokens(), work), r);
        BatchJob.Summary s = BatchJob.run(spec, items, 16, BatchJob.master(r.master()), 4, Map.of(), System.err);
        Path tmp = Files.createTempFile(r.answers().getParent(), ".answers", ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Path part : new OutputLayout(work).answerFiles()) {
                for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
                    w.write(line);
                    w.write('\n');
                }
            }
        }
        Files.move(tmp, r.answers(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return (int) Files.readAllLines(new OutputLayout(work).allErrors()).stream().filter(l -> !l.isBlank()).count();
    }

    /** The eval command's generation and model options, in the batch job's terms. */
    private static BatchSpec withModelArgs(BatchSpec g, Request r) {
        String visionTower = null, lora = null, quantize = null;
        Double loraAlpha = null;
        int threads = 0;
        List<String> a = r.modelArgs();
        for (int i = 0; i < a.size(); i++) {
            switch (a.get(i)) {
                case "--vision-tower" -> visionTower = a.get(++i);
                case "--lora" -> lora = a.get(++i);
                case "--lora-alpha" -> loraAlpha = Double.valueOf(a.get(++i));
                case "--load-8bit" -> quantize = "Q8_0";
                case "--load-4bit" -> quantize = "Q4_0";
                case "--threads" -> threads = Integer.parseInt(a.get(++i));
                default -> throw new IllegalArgumentException("--engine spark does not take " + a.get(i));
            }
        }
        return new BatchSpec(g.model(), visionTower, lora, loraAlpha, quantize, threads, r.convMode(), r.temperature(),
                g.topP(), g.topK(), g.repetitionPenalty(), r.maxNewTokens(), null, List.of(), g.output(), Set.of());
    }
}
