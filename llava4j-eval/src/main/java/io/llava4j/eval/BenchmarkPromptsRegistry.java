package io.llava4j.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The benchmarks whose generate step is built here (the others use the plain question-file runner of the app). */
public final class BenchmarkPromptsRegistry {
    private static final Map<String, BenchmarkPrompts> ALL = new LinkedHashMap<>();

    static {
        for (BenchmarkPrompts b : new BenchmarkPrompts[] {new ScienceQaPrompts(), new MmBenchPrompts(), OpenQuestionPrompts.llavaBench(),
                OpenQuestionPrompts.mmVet(), new MvBenchPrompts(), new VcgBenchPrompts()}) ALL.put(b.name(), b);
    }

    private BenchmarkPromptsRegistry() {}

    /** The builder, or null when the benchmark has none here. */
    public static BenchmarkPrompts find(String name) { return ALL.get(name); }

    public static Set<String> names() { return ALL.keySet(); }
}
