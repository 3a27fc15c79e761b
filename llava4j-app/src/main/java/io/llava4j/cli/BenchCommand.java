package io.llava4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.bench.BenchModels;
import io.llava4j.bench.MemoryBandwidth;
import io.llava4j.bench.ProcessMemory;
import io.llava4j.bench.RandomLlavaCheckpoint;
import io.llava4j.bench.RequestBench;
import io.llava4j.bench.SyntheticMedia;
import io.llava4j.chat.Message;
import io.llava4j.config.Json;
import io.llava4j.format.WeightMap;
import io.llava4j.kernels.Parallel;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Speed of one fixed image (or video) request: load, encode (preprocess + tower + projector), prefill, decode (a fixed
 * number of tokens, EOS ignored), time to first token, peak RSS, the machine's read bandwidth measured in the same
 * process after the model is closed, and the decode limit that bandwidth implies (weight bytes read per token /
 * bandwidth). Medians of --runs after --warmup. On a random-weight model of a real shape ({@code --shape}, written
 * once into the bench-model cache) or any model folder ({@code --model}). A benchmark, not a test: CI only checks
 * that it runs and reports every field.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure encode, prefill and decode speed on a random model of a real shape or on a model folder.",
        footerHeading = "%nShapes: ", footer = "llava-1.5-7b, llava-1.5-13b, llava-onevision-0.5b, pllava-7b (video). GGUF: llava-1.5 shapes only. "
                + "Cache: $LLAVA4J_BENCH_MODELS or ~/.cache/llava4j/bench-models; see docs/BENCH.md.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--shape", paramLabel = "NAME", description = "Random-weight model of this real shape (made once into the cache, then reused).")
    String shape;
    @Option(names = "--model", paramLabel = "DIR|FILE.gguf", description = "A model folder, or a GGUF text-model file in a folder with its config, tokenizer and mmproj.")
    Path model;
    @Option(names = "--quant", paramLabel = "Q", description = "f16 (default), q8_0, q4_0, q4_k. With --model: quantize a safetensors/.bin model at load time.")
    String quant;
    @Option(names = "--load-8bit", description = "Same as --quant q8_0 (the chat command's flag).") boolean load8bit;
    @Option(names = "--load-4bit", description = "Same as --quant q4_0.") boolean load4bit;
    @Option(names = "--vision-tower", paramLabel = "DIR", description = "With --model: vision tower folder for original-layout checkpoints.") String visionTower;
    @Option(names = "--lora", paramLabel = "DIR", description = "With --model: PEFT LoRA adapter folder, applied unmerged.") Path lora;
    @Option(names = "--lora-alpha", paramLabel = "A", description = "With --model: override lora_alpha.") Double loraAlpha;
    @Option(names = "--format", paramLabel = "F", description = "With --shape: safetensors (quantized at load time) or gguf (a llama.cpp pair). "
            + "Default: gguf for quantized llava-1.5 shapes, else safetensors.")
    String format;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Bench-model cache (default $LLAVA4J_BENCH_MODELS or ~/.cache/llava4j/bench-models).")
    Path cacheDir;
    @Option(names = "--templates", paramLabel = "DIR", description = "The shared fixtures folder whose tiny models give tokenizer and configs (default ../shared/fixtures).")
    Path templates;
    @Option(names = "--image", paramLabel = "FILE", description = "Image (default: a generated 640x480 picture).")
    Path image;
    @Option(names = "--video", paramLabel = "FILE_OR_DIR", description = "Video file or frame folder, sampled as the family does (video models).")
    Path video;
    @Option(names = "--media", paramLabel = "KIND", description = "image or video when no file is given (default: video for pllava shapes, else image); "
            + "none: a text-only prompt of --prompt-tokens tokens (as llama-bench -p).")
    String media;
    @Option(names = "--prompt-tokens", defaultValue = "512", paramLabel = "N", description = "With --media none: prompt length in tokens (default ${DEFAULT-VALUE}).")
    int promptTokens;
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;
    @Option(names = "--runs", defaultValue = "3", description = "Measured runs; figures are medians (default ${DEFAULT-VALUE}).")
    int runs;
    @Option(names = "--warmup", defaultValue = "1", description = "Runs before measuring, dropped (default ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = {"--max-new-tokens", "--new-tokens"}, defaultValue = "32", paramLabel = "N", description = "Decoded tokens per run (default ${DEFAULT-VALUE}).")
    int newTokens;
    @Option(names = "--bandwidth-mib", defaultValue = "1024", paramLabel = "MIB", description = "Buffer for the bandwidth measurement (default ${DEFAULT-VALUE}).")
    int bandwidthMib;
    @Option(names = "--save-image", paramLabel = "FILE.png", description = "Write the generated picture as PNG (to give another engine the same pixels) and exit.")
    Path saveImage;
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;
    @Option(names = "--debug", description = "Print stack traces on errors.")
    boolean debug;

    /** What to load and how to label it. */
    record Target(Path dir, String shape, String format, DType loadQuant, boolean videoByDefault) {}

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || newTokens < 1 || warmup < 0 || bandwidthMib < 16) {
            throw new IllegalArgumentException("--runs and --max-new-tokens must be >= 1, --warmup >= 0, --bandwidth-mib >= 16");
        }
        if (saveImage != null) {
            if (!javax.imageio.ImageIO.write(SyntheticMedia.pictureImage(), "png", saveImage.toFile())) throw new IOException("cannot write PNG " + saveImage);
            System.err.println("llava4j: wrote " + saveImage);
            return 0;
        }
        if (media != null && !List.of("image", "video", "none").contains(media)) throw new IllegalArgumentException("--media must be image, video or none, got " + media);
        if ("none".equals(media) && (image != null || video != null)) throw new IllegalArgumentException("--media none takes no --image or --video");
        if (promptTokens < 2) throw new IllegalArgumentException("--prompt-tokens must be >= 2");
        if (threads != null) Parallel.setThreads(threads);
        Target target = target();
        String storedQuant = storedQuant(target.dir());
        String quantLabel = target.loadQuant() != null ? BenchModels.quantName(target.loadQuant()) : storedQuant;
        long t0 = System.nanoTime();
        ObjectNode o = Json.MAPPER.createObjectNode();
        try (VisionLanguageModel m = ModelRegistry.load(target.dir(), new LoadOptions(visionTower, lora, loraAlpha, target.loadQuant()))) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            Request req = request(m, target);
            List<RequestBench.Run> all = RequestBench.run(m, req.prompt(), req.images(), req.videos(), newTokens, warmup, runs);
            RequestBench.Run med = RequestBench.medians(all);
            long peakRss = ProcessMemory.peakRssBytes();
            long weightBytes = m.languageModel().decodeWeightBytes();
            o.put("model", m.name()).put("shape", target.shape()).put("family", m.family()).put("quant", quantLabel).put("format", target.format())
                    .put("threads", Parallel.threads()).put("runs", runs).put("warmup", warmup)
                    .put("media", req.label())
                    .put("prompt_positions", med.positions()).put("new_tokens", newTokens)
                    .put("load_ms", loadMs).put("encode_ms", med.encodeMs()).put("prefill_ms", med.prefillMs())
                    .put("prefill_tok_s", RequestBench.median(all, RequestBench.Run::prefillTokS))
                    .put("decode_ms", med.decodeMs()).put("decode_tok_s", RequestBench.median(all, RequestBench.Run::decodeTokS))
                    .put("ttft_ms", RequestBench.median(all, RequestBench.Run::ttftMs))
                    .put("peak_rss_bytes", peakRss).put("decode_weight_bytes", weightBytes);
        }
        // After the model is closed, so the buffer neither competes with the weights nor raises the peak RSS above.
        double bandwidth = MemoryBandwidth.readGbs((long) bandwidthMib << 20, 5);
        double limit = bandwidth * 1e9 / Math.max(1, o.get("decode_weight_bytes").asLong());
        o.put("bandwidth_gb_s", bandwidth).put("decode_limit_tok_s", limit).put("decode_fraction_of_limit", o.get("decode_tok_s").asDouble() / limit);
        if (json) System.out.println(Json.MAPPER.writeValueAsString(o));
        else System.out.print(BenchTable.render(o));
        return 0;
    }

    /** The fixed request: prompt (chat template, or plain text for --media none), media, and a label for the output. */
    record Request(String prompt, List<RgbImage> images, List<List<RgbImage>> videos, String label) {}

    private Request request(VisionLanguageModel m, Target target) {
        if ("none".equals(media)) return new Request(textPrompt(m, promptTokens), List.of(), List.of(), "none (text only)");
        boolean asVideo = video != null || (image == null && (media != null ? media.equals("video") : target.videoByDefault()));
        if (asVideo && !m.capabilities().videos()) throw new IllegalArgumentException(m.name() + " (" + m.family() + ") does not take videos");
        String prompt = m.chatTemplate().render(List.of(Message.of("user", (asVideo ? m.videoMarker() : "<image>") + "\nDescribe the "
                + (asVideo ? "video" : "image") + " in detail.")), true);
        if (!asVideo) {
            RgbImage img = image != null ? ImageDecoder.decode(image) : SyntheticMedia.picture();
            return new Request(prompt, List.of(img), List.of(), "image " + size(img));
        }
        List<RgbImage> frames = video != null ? Media.videos(List.of(video), m, m.frameSampler()).getFirst()
                : SyntheticMedia.video(Math.max(1, m.preferredVideoFrames()));
        return new Request(prompt, List.of(), List.of(frames), "video, " + frames.size() + " frames " + size(frames.getFirst()));
    }

    private Target target() throws IOException {
        if ((shape == null) == (model == null)) throw new IllegalArgumentException("give either --shape NAME or --model DIR|FILE.gguf");
        if ((quant != null ? 1 : 0) + (load8bit ? 1 : 0) + (load4bit ? 1 : 0) > 1) throw new IllegalArgumentException("give one of --quant, --load-8bit, --load-4bit");
        DType q = quant != null ? BenchModels.parseQuant(quant) : load8bit ? DType.Q8_0 : load4bit ? DType.Q4_0 : null;
        if (shape != null) {
            RandomLlavaCheckpoint.Named named = RandomLlavaCheckpoint.Named.of(shape);
            DType qq = q == null ? DType.F16 : q;
            BenchModels.Format f = format == null
                    ? (qq != DType.F16 && named.family().exportsToGguf() ? BenchModels.Format.GGUF : BenchModels.Format.SAFETENSORS)
                    : switch (format) {
                        case "safetensors" -> BenchModels.Format.SAFETENSORS;
                        case "gguf" -> BenchModels.Format.GGUF;
                        default -> throw new IllegalArgumentException("--format must be safetensors or gguf, got " + format);
                    };
            Path dir = BenchModels.ensure(cacheDir != null ? cacheDir : BenchModels.defaultRoot(), named, qq, f, templates, System.err::println);
            DType loadQuant = f == BenchModels.Format.SAFETENSORS && qq != DType.F16 ? qq : null;
            return new Target(dir, shape, f.name().toLowerCase(), loadQuant, named.family() == RandomLlavaCheckpoint.Family.PLLAVA);
        }
        if (format != null) throw new IllegalArgumentException("--format applies to --shape only (the folder's files decide)");
        Path dir = model;
        if (Files.isRegularFile(model)) {
            if (!model.getFileName().toString().endsWith(".gguf")) throw new IllegalArgumentException("--model takes a folder or a .gguf file, got " + model);
            dir = model.toAbsolutePath().getParent();
            if (!Files.isRegularFile(dir.resolve("config.json"))) {
                throw new IllegalArgumentException(model + ": its folder has no config.json (a GGUF file is loaded from a folder with its config, tokenizer and mmproj)");
            }
            if (!formatOf(dir).equals("gguf")) throw new IllegalArgumentException(model + ": its folder also holds other weights; put the GGUF pair in a folder of its own");
        }
        String f = formatOf(dir);
        if (f.equals("gguf") && q != null) throw new IllegalArgumentException("--quant applies to safetensors/.bin models (a GGUF file is already stored in its type)");
        return new Target(dir, dir.getFileName().toString(), f, q == null || q == DType.F16 ? null : q, false);
    }

    /** "the the the ...": one token per word in LLaMA's and Qwen2's vocabularies; the count is fitted to give n positions (BOS or not). */
    static String textPrompt(VisionLanguageModel m, int n) {
        int words = n;
        String prompt = "";
        for (int i = 0; i < 4; i++) {
            prompt = "the" + " the".repeat(Math.max(0, words - 1));
            int len = m.prepare(prompt, List.of(), List.of()).length();
            if (len == n) break;
            words = Math.max(1, words + n - len);
        }
        return prompt;
    }

    /** safetensors, gguf or bin, from the weight files in the folder (the order Checkpoints.open looks in). */
    static String formatOf(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            if (names.stream().anyMatch(n -> n.endsWith(".safetensors") || n.equals("model.safetensors.index.json"))) return "safetensors";
            if (names.stream().anyMatch(n -> n.startsWith("pytorch_model.bin"))) return "bin";
            if (names.stream().anyMatch(n -> n.endsWith(".gguf"))) return "gguf";
        }
        return "?";
    }

    /** The stored type of the decoder's first MLP weight (what decode reads), e.g. f16, q4_0. */
    static String storedQuant(Path dir) {
        try (WeightMap w = io.llava4j.format.Checkpoints.open(dir)) {
            for (String n : w.names()) {
                if (n.matches(".*layers\\.0\\.mlp\\.up_proj\\.weight") && !n.contains("vision")) return BenchModels.quantName(w.get(n).dtype());
            }
        }
        return "?";
    }

    private static String size(RgbImage img) { return img.width() + "x" + img.height(); }
}
