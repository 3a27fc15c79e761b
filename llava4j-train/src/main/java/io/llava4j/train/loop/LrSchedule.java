package io.llava4j.train.loop;

/**
 * Learning-rate multipliers as transformers' {@code get_scheduler} builds them ({@code optimization.py}); the
 * optimizer step with 0-based index {@code step} uses {@code base_lr * factor(step)} (HF's LambdaLR is stepped after
 * each optimizer step, so the first step runs at factor(0), which is 0 with warmup).
 */
public enum LrSchedule {
    /** {@code get_linear_schedule_with_warmup}. */
    LINEAR("linear"),
    /** {@code get_cosine_schedule_with_warmup} with num_cycles 0.5. */
    COSINE("cosine"),
    /** {@code get_constant_schedule}: warmup ignored, as HF does for "constant". */
    CONSTANT("constant"),
    /** {@code get_constant_schedule_with_warmup}. */
    CONSTANT_WITH_WARMUP("constant_with_warmup");

    public final String key;

    LrSchedule(String key) { this.key = key; }

    public static LrSchedule byKey(String key) {
        for (LrSchedule s : values()) if (s.key.equals(key)) return s;
        throw new IllegalArgumentException("unknown lr_scheduler_type '" + key + "' (linear, cosine, constant, constant_with_warmup)");
    }

    /** HF TrainingArguments.get_warmup_steps: warmup_steps if > 0, else ceil(total * warmup_ratio). */
    public static long warmupSteps(long totalSteps, double warmupRatio, long warmupSteps) {
        return warmupSteps > 0 ? warmupSteps : (long) Math.ceil(totalSteps * warmupRatio);
    }

    /** The multiplier of optimizer step {@code step} (0-based) of {@code total}, with {@code warmup} warmup steps. */
    public double factor(long step, long warmup, long total) {
        return switch (this) {
            case CONSTANT -> 1.0;
            case CONSTANT_WITH_WARMUP -> step < warmup ? (double) step / Math.max(1.0, warmup) : 1.0;
            case LINEAR -> step < warmup ? (double) step / Math.max(1, warmup)
                    : Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
            case COSINE -> {
                if (step < warmup) yield (double) step / Math.max(1, warmup);
                double progress = (double) (step - warmup) / Math.max(1, total - warmup);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
            }
        };
    }
}
