package io.llava4j.cli;

import io.llava4j.kernels.Parallel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder (config.json + weights + tokenizer), "
            + "or a llama.cpp / Ollama LLaVA GGUF pair: a folder holding the text-model .gguf and the mmproj .gguf, or the text-model .gguf file.")
    Path model;

    @Option(names = "--mmproj", paramLabel = "FILE", description = "The mmproj .gguf (CLIP tower + projector) of a GGUF text model given with --model (default: the only mmproj beside it).")
    Path mmproj;

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
        if (threads != null) Parallel.setThreads(threads);
        if ((load8bit ? 1 : 0) + (load4bit ? 1 : 0) + (loadQ4k ? 1 : 0) > 1) throw new IllegalArgumentException("--load-8bit, --load-4bit and --load-q4k exclude each other");
        io.llava4j.tensor.DType q = load8bit ? io.llava4j.tensor.DType.Q8_0 : load4bit ? io.llava4j.tensor.DType.Q4_0
                : loadQ4k ? io.llava4j.tensor.DType.Q4_K : null;
        return new io.llava4j.model.LoadOptions(visionTower, lora, loraAlpha, q, mmproj);
    }
}
