package io.llava4j.train.loop;

import java.nio.file.Path;

/**
 * The optimizer loop's settings, named after HF TrainingArguments (defaults are theirs where they have one).
 *
 * @param groupLearningRates learning rates of named parameter groups ("mm_projector" from --mm_projector_lr,
 *                        "vision_tower" from --mm_vision_tower_lr); groups not named use {@code learningRate}
 * @param numTrainEpochs  may be fractional; ignored when {@code maxSteps > 0}
 * @param warmupSteps     > 0 overrides {@code warmupRatio}
 * @param maxGradNorm     clip the global gradient norm to this; <= 0 = no clipping
 * @param saveSteps       write a checkpoint every N optimizer steps; <= 0 = none
 * @param saveTotalLimit  keep only the newest N checkpoints; <= 0 = all
 * @param loggingSteps    plain progress lines every N steps (the terminal bar updates every step)
 * @param logFile         one JSON object per optimizer step; null = none
 * @param resume          continue from the newest checkpoint in {@code outputDir} (fresh start when there is none)
 */
public record TrainerConfig(Path outputDir, double learningRate, java.util.Map<String, Double> groupLearningRates, double weightDecay,
                            double adamBeta1, double adamBeta2, double adamEpsilon, double numTrainEpochs, long maxSteps,
                            int batchSize, int gradientAccumulationSteps, double warmupRatio, long warmupSteps,
                            LrSchedule schedule, double maxGradNorm, long seed, long saveSteps, int saveTotalLimit,
                            int loggingSteps, Path logFile, boolean resume) {

    public TrainerConfig {
        if (outputDir == null) throw new IllegalArgumentException("an output folder is required");
        if (!(learningRate >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + learningRate);
        groupLearningRates = java.util.Map.copyOf(groupLearningRates);
        groupLearningRates.forEach((g, lr) -> {
            if (!(lr >= 0)) throw new IllegalArgumentException("learning rate of group " + g + " must be >= 0, got " + lr);
        });
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (batchSize < 1) throw new IllegalArgumentException("per-device batch size must be >= 1, got " + batchSize);
        if (gradientAccumulationSteps < 1) throw new IllegalArgumentException("gradient accumulation steps must be >= 1, got " + gradientAccumulationSteps);
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + warmupRatio);
        if (maxSteps <= 0 && !(numTrainEpochs > 0)) throw new IllegalArgumentException("num_train_epochs must be > 0 when max_steps is not set, got " + numTrainEpochs);
        if (loggingSteps < 1) throw new IllegalArgumentException("logging steps must be >= 1, got " + loggingSteps);
        if (schedule == null) throw new IllegalArgumentException("a learning-rate schedule is required");
    }

    public static Builder builder(Path outputDir) { return new Builder(outputDir); }

    /** Defaults: HF TrainingArguments (lr 5e-5, linear, betas 0.9/0.999, eps 1e-8, max_grad_norm 1.0, 3 epochs, seed 42). */
    public static final class Builder {
        private final Path outputDir;
        private double learningRate = 5e-5, weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, epochs = 3, warmupRatio = 0, maxGradNorm = 1.0;
        private final java.util.Map<String, Double> groups = new java.util.LinkedHashMap<>();
        private long maxSteps = -1, warmupSteps = 0, seed = 42, saveSteps = 0;
        private int batchSize = 8, accum = 1, saveTotalLimit = 0, loggingSteps = 1;
        private LrSchedule schedule = LrSchedule.LINEAR;
        private Path logFile;
        private boolean resume;

        private Builder(Path outputDir) { this.outputDir = outputDir; }

        public Builder learningRate(double v) { learningRate = v; return this; }
        /** The "mm_projector" group's rate; null = the default rate. */
        public Builder mmProjectorLr(Double v) { return groupLearningRate("mm_projector", v); }
        public Builder groupLearningRate(String group, Double v) {
            if (v == null) groups.remove(group);
            else groups.put(group, v);
            return this;
        }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder adam(double b1, double b2, double e) { beta1 = b1; beta2 = b2; eps = e; return this; }
        public Builder numTrainEpochs(double v) { epochs = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder gradientAccumulationSteps(int v) { accum = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder warmupSteps(long v) { warmupSteps = v; return this; }
        public Builder schedule(LrSchedule v) { schedule = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder saveSteps(long v) { saveSteps = v; return this; }
        public Builder saveTotalLimit(int v) { saveTotalLimit = v; return this; }
        public Builder loggingSteps(int v) { loggingSteps = v; return this; }
        public Builder logFile(Path v) { logFile = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }

        public TrainerConfig build() {
            return new TrainerConfig(outputDir, learningRate, groups, weightDecay, beta1, beta2, eps, epochs, maxSteps,
                    batchSize, accum, warmupRatio, warmupSteps, schedule, maxGradNorm, seed, saveSteps, saveTotalLimit,
                    loggingSteps, logFile, resume);
        }
    }
}
