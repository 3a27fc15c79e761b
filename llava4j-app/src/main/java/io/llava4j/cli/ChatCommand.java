package io.llava4j.cli;

import io.llava4j.api.Chat;
import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Image chat: one streamed answer when a prompt is given, otherwise an interactive multi-turn chat. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat about images. With PROMPT: one streamed answer. Without: interactive (/image FILE, /reset, /exit).")
final class ChatCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--image", paramLabel = "FILE", description = "Image for the first turn (repeatable).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--video", paramLabel = "FILE_OR_DIR", description = "Video for the first turn: a file (mp4, avi, mkv, webm, gif, ...) or a folder of frames (repeatable).")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--frames", paramLabel = "N", description = "Sample N frames uniformly instead of the model's own frame sampling.")
    Integer frames;

    @Option(names = "--fps", paramLabel = "R", description = "Sample R frames per second (at most --frames, default 64).")
    Double fps;

    @Parameters(arity = "0..1", paramLabel = "PROMPT", description = "The question; omit for an interactive chat.")
    String prompt;

    @Option(names = "--temperature", defaultValue = "0.2", description = "Sampling temperature, 0 = greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "50", description = "Keep the k most likely tokens, 0 = off (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "HF-style repetition penalty (default ${DEFAULT-VALUE}).")
    double repetitionPenalty;

    @Option(names = "--max-new-tokens", defaultValue = "512", description = "Maximum tokens per answer (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--seed", description = "Random seed for sampling.")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Extra stop string (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--conv-mode", paramLabel = "NAME", description = "Override the model's chat template with a named conversation template (e.g. vicuna_v1, llava_llama_2, mistral_instruct, chatml_direct, plain).")
    String convMode;

    @Override
    public Integer call() throws Exception {
        model.require();
        SamplingParams params = new SamplingParams(temperature, topP, topK, repetitionPenalty, maxNewTokens, seed, stops);
        List<RgbImage> first = images.stream().map(ImageDecoder::decode).toList();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Llava4j llava = Llava4j.load(model.model, model.loadOptions())) {
            Chat chat = llava.newChat(convMode);
            var vids = Media.videos(videos, llava.model(), Media.sampler(llava.model(), frames, fps));
            if (prompt != null) {
                chat.send(prompt, first, vids, params, s -> { out.print(s); out.flush(); });
                out.println();
                return 0;
            }
            if (!vids.isEmpty()) throw new IllegalArgumentException("--video needs a PROMPT (interactive chat takes images with /image)");
            return interactive(chat, first, params, out);
        }
    }

    private int interactive(Chat chat, List<RgbImage> pending, SamplingParams params, PrintStream out) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<RgbImage> attach = new ArrayList<>(pending);
        out.println("llava4j chat: type a message; /image FILE attaches an image, /reset starts over, /exit quits.");
        while (true) {
            out.print("USER: ");
            out.flush();
            String line = in.readLine();
            if (line == null || line.strip().equals("/exit")) return 0;
            line = line.strip();
            if (line.isEmpty()) continue;
            if (line.startsWith("/image ")) {
                try {
                    attach.add(ImageDecoder.decode(Path.of(line.substring(7).strip())));
                    out.println("(image attached to your next message)");
                } catch (RuntimeException e) {
                    out.println("error: " + Main.oneLine(e));
                }
                continue;
            }
            if (line.equals("/reset")) { chat.reset(); attach.clear(); out.println("(conversation cleared)"); continue; }
            out.print("ASSISTANT: ");
            try {
                chat.send(line, attach, params, s -> { out.print(s); out.flush(); });
                attach.clear();
            } catch (RuntimeException e) {
                out.print("\nerror: " + Main.oneLine(e));
            }
            out.println();
        }
    }
}
