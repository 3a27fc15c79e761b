package io.llava4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;

/** One benchmark's official scoring: reads the benchmark folder (official file names, answers under answers/). */
public interface Scorer {
    String name();

    /** The judge model the official script uses (when the benchmark is judged). */
    default String defaultJudgeModel() { return "gpt-3.5-turbo"; }

    /** The metrics object of the contract ({@code {"benchmark": name, "metrics": ...}}). */
    ObjectNode score(Path dataDir, ScoreOptions options) throws Exception;

    /** Options some scorers need. @param judgeReplay recorded judge replies to use instead of calling a judge */
    record ScoreOptions(Path judgeReplay, JudgeClient judge) {
        public ScoreOptions(Path judgeReplay) { this(judgeReplay, null); }
        public static ScoreOptions none() { return new ScoreOptions(null, null); }
    }
}
