package io.llava4j.eval;

import java.nio.file.Path;

/**
 * Options of the generate step that change prompts.
 *
 * @param questions   question file overriding the benchmark's usual one (null = default)
 * @param media       image/video folder overriding the usual one (null = default)
 * @param allRounds   MMBench: ask every circular rotation of the options ({@code --all-rounds})
 * @param lang        MMBench: "en" or "cn" (the single-prediction instruction's language)
 * @param convMode    PLLaVA benchmarks: the upstream conversation ("eval_mvbench", "eval_vcgbench") or null for the model's template
 */
public record GenerateOptions(Path questions, Path media, boolean allRounds, String lang, String convMode) {
    public static GenerateOptions defaults() { return new GenerateOptions(null, null, false, "en", null); }
}
