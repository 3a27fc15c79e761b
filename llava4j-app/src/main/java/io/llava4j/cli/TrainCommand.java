package io.llava4j.cli;

import io.llava4j.train.loop.TrainOptions;
import io.llava4j.train.loop.TrainRunner;
import io.llava4j.train.loop.TrainingSetups;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code llava4j train}: stage-1 projector alignment, stage-2 instruction tuning (full or LoRA) with the seeds' flag
 * names (LLaVA's train.py) and defaults (LLaVA's / HF TrainingArguments'). Booleans take an optional value, so the
 * seeds' {@code --lora_enable True} works as well as {@code --lora_enable}.
 */
@Command(name = "train", sortOptions = false,
        description = "Train a LLaVA model (stage 1: --tune_mm_mlp_adapter; stage 2: full or --lora_enable), with resumable checkpoints.")
final class TrainCommand implements Callable<Integer> {
    // No standard help mixin: its -V/--version would clash with the seeds' --version (the conversation template).
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.") boolean help;
    @Option(names = "--model_name_or_path", required = true, paramLabel = "DIR", description = "Model folder to start from.") Path model;
    @Option(names = "--version", defaultValue = "v1", description = "Conversation template of the data: plain (stage 1), v1, ... (default ${DEFAULT-VALUE}).") String version;
    @Option(names = "--data_path", required = true, paramLabel = "FILE.json", description = "LLaVA conversation JSON.") Path dataPath;
    @Option(names = "--image_folder", paramLabel = "DIR", description = "Folder the samples' image paths are relative to.") Path imageFolder;
    @Option(names = "--tune_mm_mlp_adapter", arity = "0..1", defaultValue = "false", fallbackValue = "true", description = "Stage 1: train only the projector.") boolean tuneMmMlpAdapter;
    @Option(names = "--pretrain_mm_mlp_adapter", paramLabel = "FILE", description = "Stage-1 mm_projector.bin to start from.") Path pretrainMmMlpAdapter;
    @Option(names = "--mm_tunable_parts", paramLabel = "PARTS", description = "Comma-separated: mm_vision_tower, mm_mlp_adapter, mm_language_model (LLaVA-OneVision's flag).") String mmTunableParts;
    @Option(names = "--lora_enable", arity = "0..1", defaultValue = "false", fallbackValue = "true", description = "Train LoRA adapters on the language model (q,k,v,o,gate,up,down).") boolean loraEnable;
    @Option(names = "--lora_r", defaultValue = "64", description = "LoRA rank (default ${DEFAULT-VALUE}).") int loraR;
    @Option(names = "--lora_alpha", defaultValue = "16", description = "LoRA alpha (default ${DEFAULT-VALUE}).") double loraAlpha;
    @Option(names = "--lora_dropout", defaultValue = "0.05", description = "LoRA dropout (default ${DEFAULT-VALUE}).") double loraDropout;
    @Option(names = "--mm_projector_lr", description = "Learning rate of the projector (default: --learning_rate).") Double mmProjectorLr;
    @Option(names = "--mm_vision_tower_lr", description = "Learning rate of the vision tower when it is trained (default: --learning_rate).") Double mmVisionTowerLr;
    @Option(names = "--learning_rate", defaultValue = "5e-5", description = "Peak learning rate (default ${DEFAULT-VALUE}).") double learningRate;
    @Option(names = "--num_train_epochs", defaultValue = "3", description = "Epochs, may be fractional (default ${DEFAULT-VALUE}).") double epochs;
    @Option(names = "--per_device_train_batch_size", defaultValue = "8", description = "Samples per micro-batch (default ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = "--gradient_accumulation_steps", defaultValue = "1", description = "Micro-batches per optimizer step (default ${DEFAULT-VALUE}).") int accum;
    @Option(names = "--warmup_ratio", defaultValue = "0", description = "Fraction of steps for linear warmup (default ${DEFAULT-VALUE}).") double warmupRatio;
    @Option(names = "--lr_scheduler_type", defaultValue = "linear", description = "linear, cosine, constant, constant_with_warmup (default ${DEFAULT-VALUE}).") String scheduler;
    @Option(names = "--model_max_length", defaultValue = "512", description = "Truncate samples to this many tokens (default ${DEFAULT-VALUE}).") int modelMaxLength;
    @Option(names = "--image_aspect_ratio", defaultValue = "square", description = "square or pad (default ${DEFAULT-VALUE}).") String imageAspectRatio;
    @Option(names = "--group_by_modality_length", arity = "0..1", defaultValue = "false", fallbackValue = "true", description = "Batch image and text-only samples apart.") boolean groupByModalityLength;
    @Option(names = "--weight_decay", defaultValue = "0", description = "AdamW weight decay, not on biases and norms (default ${DEFAULT-VALUE}).") double weightDecay;
    @Option(names = "--max_grad_norm", defaultValue = "1.0", description = "Clip the global gradient norm; 0 = off (default ${DEFAULT-VALUE}).") double maxGradNorm;
    @Option(names = "--max_steps", defaultValue = "-1", description = "Optimizer steps; overrides --num_train_epochs when > 0.") long maxSteps;
    @Option(names = "--output_dir", required = true, paramLabel = "DIR", description = "Checkpoints and the trained model.") Path outputDir;
    @Option(names = "--save_steps", defaultValue = "500", description = "Checkpoint every N steps; 0 = never (default ${DEFAULT-VALUE}).") long saveSteps;
    @Option(names = "--save_total_limit", defaultValue = "0", description = "Keep the newest N checkpoints; 0 = all.") int saveTotalLimit;
    @Option(names = "--logging_steps", defaultValue = "1", description = "Plain progress lines every N steps when not on a terminal (default ${DEFAULT-VALUE}).") int loggingSteps;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of data order and initialisation (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--log-file", paramLabel = "FILE", description = "One JSON object per optimizer step (step, loss, learning_rate, grad_norm, tokens, seconds).") Path logFile;
    @Option(names = "--resume", description = "Continue from the newest checkpoint in --output_dir.") boolean resume;

    TrainOptions options() {
        return new TrainOptions(model, version, dataPath, imageFolder, tuneMmMlpAdapter, pretrainMmMlpAdapter, loraEnable, loraR,
                loraAlpha, loraDropout, mmProjectorLr, mmTunableParts, mmVisionTowerLr, learningRate, epochs, batchSize, accum,
                warmupRatio, scheduler, modelMaxLength, imageAspectRatio, groupByModalityLength, weightDecay, maxGradNorm,
                maxSteps, outputDir, saveSteps, saveTotalLimit, loggingSteps, seed, logFile, resume);
    }

    @Override
    public Integer call() throws Exception {
        TrainRunner.run(options(), TrainingSetups.llava(), System.err);
        return 0;
    }
}
