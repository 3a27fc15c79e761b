package io.llava4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** The explicit registry of benchmarks that can be scored. */
public final class Scorers {
    private static final Map<String, Scorer> ALL = new LinkedHashMap<>();

    static {
        for (Scorer s : new Scorer[] {new PopeScorer(), new TextVqaScorer(), new ScienceQaScorer(), new GqaScorer(),
                new MmeScorer(), new MvBenchScorer(), new VideoChatGptQaScorer(), new MmBenchScorer(), new LlavaBenchReview(), new MvBenchPllavaScorer(), new LlavaBenchJudge(), new MmVetGrader(), new VcgBenchJudge()}) ALL.put(s.name(), s);
    }

    private Scorers() {}

    public static Scorer get(String name) {
        Scorer s = ALL.get(name);
        if (s == null) throw new EvalException("unknown benchmark '" + name + "' (known: " + String.join(", ", ALL.keySet()) + ")");
        return s;
    }

    public static java.util.Set<String> names() { return ALL.keySet(); }
}
