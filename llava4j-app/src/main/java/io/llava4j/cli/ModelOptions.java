package io.llava4j.cli;

import io.llava4j.kernels.Parallel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    /** The launcher points {@code llava4j.defaultModel} at the bundled demo model (models/llava4j-demo) when it is there. */
    @Option(names = "--model", paramLabel = "DIR", defaultValue = "${sys:llava4j.defaultModel}",
            description = "Model folder (config.json + weights + tokenizer), "
            + "or a llama.cpp / Ollama LLaVA GGUF pair: a folder holding the text-model .gguf and the mmproj .gguf, or the text-model .gguf file. "
            + "Default: the bundled demo model, when present.")
    Path model;

    @Option(names = "--mmproj", paramLabel = "FILE", description = "The mmproj .gguf (CLIP tower + projector) of a GGUF text model given with --model (default: the only mmproj beside it).")
    Path mmproj;

    /** Fails with one clear line when no --model was given and there is no bundled default. */
    void require() {
        if (model == null) throw new IllegalArgumentException("--model DIR is required (no bundled demo model found: models/llava4j-demo)");
    }

    @Option(names = "--vision-tower", paramLabel = "DIR", description = "Vision tower folder for original-layout checkpoints (overrides mm_vision_tower).")
    String visionTower;

    @Option(names = "--lora", paramLabel = "DIR", description = "PEFT LoRA adapter folder (adapter_config.json + adapter_model.*), applied unmerged.")
    Path lora;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "Override lora_alpha (scaling = alpha / r). PLLaVA's scripts use 4.")
    Double loraAlpha;

    @Option(names = "--load-8bit", description = "Quantize the language model's linear weights to Q8_0 at load time.")
    boolean load8bit;

    @Option(names = "--load-4bit", description = "Quantize the language model's linear weights to Q4_0 at load time.")
    boolean load4bit;

    @Option(names = "--load-q4k", description = "Quantize the language model's linear weights to Q4_K at load time (rows that are not whole 256-blocks: Q8_0).")
    boolean loadQ4k;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--debug", description = "Print stack traces on errors.")
    boolean debug;

    io.llava4j.model.LoadOptions loadOptions() {
        require();
        if (threads != null) Parallel.setThreads(threads);
        if ((load8bit ? 1 : 0) + (load4bit ? 1 : 0) + (loadQ4k ? 1 : 0) > 1) throw new IllegalArgumentException("--load-8bit, --load-4bit and --load-q4k exclude each other");
        io.llava4j.tensor.DType q = load8bit ? io.llava4j.tensor.DType.Q8_0 : load4bit ? io.llava4j.tensor.DType.Q4_0
                : loadQ4k ? io.llava4j.tensor.DType.Q4_K : null;
        return new io.llava4j.model.LoadOptions(visionTower, lora, loraAlpha, q, mmproj);
    }

    /** These options as command-line arguments, for an engine that loads the model in other processes. */
    java.util.List<String> asArgs() {
        java.util.List<String> a = new java.util.ArrayList<>();
        if (visionTower != null) a.addAll(java.util.List.of("--vision-tower", visionTower));
        if (lora != null) a.addAll(java.util.List.of("--lora", lora.toAbsolutePath().toString()));
        if (loraAlpha != null) a.addAll(java.util.List.of("--lora-alpha", loraAlpha.toString()));
        if (load8bit) a.add("--load-8bit");
        if (load4bit) a.add("--load-4bit");
        if (loadQ4k) a.add("--load-q4k");
        if (mmproj != null) a.addAll(java.util.List.of("--mmproj", mmproj.toAbsolutePath().toString()));
        if (threads != null) a.addAll(java.util.List.of("--threads", threads.toString()));
        return a;
    }
}
