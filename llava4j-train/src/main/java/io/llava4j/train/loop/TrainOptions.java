package io.llava4j.train.loop;

import io.llava4j.chat.ConversationTemplates;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The settings of {@code llava4j train}, named after the seeds' flags (LLaVA's ModelArguments, DataArguments and
 * TrainingArguments; LLaVA-OneVision's {@code mm_tunable_parts} / {@code mm_vision_tower_lr}). The model side
 * ({@link TrainingSetup}) reads what it needs; {@link #trainerConfig} maps the rest to the loop.
 *
 * @param version               conversation template of the data ("plain" for stage 1, "v1" for stage 2, ...)
 * @param tuneMmMlpAdapter      stage 1: train only the projector
 * @param pretrainMmMlpAdapter  a stage-1 mm_projector.bin to start from (null = none)
 * @param mmProjectorLr         null = learning rate
 * @param mmTunableParts        comma-separated parts to train (OneVision: mm_vision_tower, mm_mlp_adapter,
 *                              mm_language_model); null = the seeds' default for the stage
 * @param mmVisionTowerLr       null = learning rate
 * @param logFile               null = none
 */
public record TrainOptions(Path modelNameOrPath, String version, Path dataPath, Path imageFolder, boolean tuneMmMlpAdapter,
                           Path pretrainMmMlpAdapter, boolean loraEnable, int loraR, double loraAlpha, double loraDropout,
                           Double mmProjectorLr, String mmTunableParts, Double mmVisionTowerLr, double learningRate,
                           double numTrainEpochs, int perDeviceTrainBatchSize, int gradientAccumulationSteps,
                           double warmupRatio, String lrSchedulerType, int modelMaxLength, String imageAspectRatio,
                           boolean groupByModalityLength, double weightDecay, double maxGradNorm, long maxSteps,
                           Path outputDir, long saveSteps, int saveTotalLimit, int loggingSteps, long seed, Path logFile,
                           boolean resume) {

    static final Set<String> TUNABLE_PARTS = Set.of("mm_vision_tower", "mm_mlp_adapter", "mm_language_model");
    static final Set<String> ASPECT_RATIOS = Set.of("square", "pad");

    /** Throws IllegalArgumentException with a one-line message naming the flag for the first bad setting. */
    public void validate() {
        if (modelNameOrPath == null || !Files.isDirectory(modelNameOrPath))
            throw new IllegalArgumentException("--model_name_or_path " + modelNameOrPath + " is not a model folder");
        if (dataPath == null || !Files.isRegularFile(dataPath)) throw new IllegalArgumentException("--data_path " + dataPath + " is not a file");
        if (imageFolder != null && !Files.isDirectory(imageFolder)) throw new IllegalArgumentException("--image_folder " + imageFolder + " is not a folder");
        if (outputDir == null) throw new IllegalArgumentException("--output_dir is required");
        if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) throw new IllegalArgumentException("--output_dir " + outputDir + " is a file");
        try {
            ConversationTemplates.byName(version);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--version: " + e.getMessage());
        }
        if (pretrainMmMlpAdapter != null && !Files.isRegularFile(pretrainMmMlpAdapter))
            throw new IllegalArgumentException("--pretrain_mm_mlp_adapter " + pretrainMmMlpAdapter + " is not a file");
        if (tuneMmMlpAdapter && loraEnable) throw new IllegalArgumentException("--tune_mm_mlp_adapter (stage 1: projector only) and --lora_enable exclude each other");
        if (tuneMmMlpAdapter && mmTunableParts != null) throw new IllegalArgumentException("--tune_mm_mlp_adapter and --mm_tunable_parts exclude each other");
        if (mmTunableParts != null) {
            for (String p : mmTunableParts.split(",")) {
                if (!TUNABLE_PARTS.contains(p.strip())) throw new IllegalArgumentException("--mm_tunable_parts: unknown part '" + p.strip() + "' (mm_vision_tower, mm_mlp_adapter, mm_language_model)");
            }
        }
        if (loraR < 1) throw new IllegalArgumentException("--lora_r must be >= 1, got " + loraR);
        if (!(loraAlpha > 0)) throw new IllegalArgumentException("--lora_alpha must be > 0, got " + loraAlpha);
        if (!(loraDropout >= 0 && loraDropout < 1)) throw new IllegalArgumentException("--lora_dropout must be in [0, 1), got " + loraDropout);
        if (modelMaxLength < 1) throw new IllegalArgumentException("--model_max_length must be >= 1, got " + modelMaxLength);
        if (!ASPECT_RATIOS.contains(imageAspectRatio)) throw new IllegalArgumentException("--image_aspect_ratio '" + imageAspectRatio + "' is not supported (square, pad)");
        if (saveSteps < 0) throw new IllegalArgumentException("--save_steps must be >= 0, got " + saveSteps);
        LrSchedule.byKey(lrSchedulerType);
        trainerConfig(); // the loop's own checks (learning rates, batch, accumulation, warmup, epochs)
    }

    /** The loop's settings. */
    public TrainerConfig trainerConfig() {
        TrainerConfig.Builder b = TrainerConfig.builder(outputDir).learningRate(learningRate).weightDecay(weightDecay)
                .numTrainEpochs(numTrainEpochs).maxSteps(maxSteps).batchSize(perDeviceTrainBatchSize)
                .gradientAccumulationSteps(gradientAccumulationSteps).warmupRatio(warmupRatio)
                .schedule(LrSchedule.byKey(lrSchedulerType)).maxGradNorm(maxGradNorm).seed(seed).saveSteps(saveSteps)
                .saveTotalLimit(saveTotalLimit).loggingSteps(loggingSteps).logFile(logFile).resume(resume)
                .mmProjectorLr(mmProjectorLr).groupLearningRate("vision_tower", mmVisionTowerLr);
        return b.build();
    }
}
