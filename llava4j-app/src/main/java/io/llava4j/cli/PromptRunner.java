package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Llava4j;
import io.llava4j.chat.ChatTemplate;
import io.llava4j.chat.ConversationTemplates;
import io.llava4j.chat.Message;
import io.llava4j.config.Json;
import io.llava4j.engine.Generator;
import io.llava4j.eval.BenchPrompt;
import io.llava4j.eval.BenchmarkPrompts;
import io.llava4j.eval.GenerateOptions;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.FrameSampler;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.media.VideoDecoder;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.io.BufferedWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a benchmark whose prompts the eval module builds ({@link BenchmarkPrompts}): chunks and limit as the seeds'
 * get_chunk, append-only answers that a killed run resumes (rows cut by the kill are dropped and asked again), each
 * row flushed and synced, and the benchmark's derived files written once every request of the chunk is answered.
 */
final class PromptRunner {
    record Settings(Path data, Path out, GenerateOptions options, Integer limit, int chunks, int chunkIdx,
                    Integer maxNewTokens, Double temperature, Integer frames) {}

    private PromptRunner() {}

    static int run(BenchmarkPrompts bench, Path modelDir, io.llava4j.model.LoadOptions load, Settings s) throws Exception {
        if (s.chunks() < 1 || s.chunkIdx() < 0 || s.chunkIdx() >= s.chunks()) {
            throw new IllegalArgumentException("--chunk-idx must be in [0, --chunks), got " + s.chunkIdx() + " of " + s.chunks());
        }
        if (!Files.isDirectory(s.data())) throw new IllegalArgumentException("benchmark folder not found: " + s.data());
        List<BenchPrompt> all = bench.prompts(s.data(), s.options());
        int size = (all.size() + s.chunks() - 1) / s.chunks();
        List<BenchPrompt> mine = all.subList(Math.min(all.size(), s.chunkIdx() * size), Math.min(all.size(), (s.chunkIdx() + 1) * size));
        boolean limited = s.limit() != null && s.limit() < mine.size();
        if (limited) mine = mine.subList(0, s.limit());
        String modelId = modelDir.toAbsolutePath().normalize().getFileName().toString();
        Path outDir = s.out() != null ? s.out() : s.data();
        Path answers = chunkFile(outDir.resolve(bench.answersPath(modelId)), s.chunks(), s.chunkIdx());
        Files.createDirectories(answers.toAbsolutePath().getParent());
        Set<String> done = resume(bench, answers);
        int already = (int) mine.stream().filter(p -> done.contains(p.key())).count();
        SamplingParams params = (effectiveTemperature(bench, s) == 0 ? SamplingParams.greedy() : SamplingParams.defaults().withTemperature(effectiveTemperature(bench, s)))
                .withMaxNewTokens(s.maxNewTokens() != null ? s.maxNewTokens() : bench.maxNewTokens());
        Progress progress = new Progress(mine.size(), already, "eval " + bench.name());
        try (Llava4j llava = Llava4j.load(modelDir, load);
             BufferedWriter w = Files.newBufferedWriter(answers, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             FileChannel channel = FileChannel.open(answers, StandardOpenOption.WRITE)) {
            VisionLanguageModel model = llava.model();
            for (BenchPrompt p : mine) {
                if (done.contains(p.key())) continue;
                String text = generate(model, bench, p, params, s);
                ObjectNode row = bench.answerRow(p, text, modelId, EvalRunCommand.answerId(modelId, p.key()));
                w.write(Json.MAPPER.writeValueAsString(row));
                w.write('\n');
                w.flush();
                channel.force(false);
                done.add(p.key());
                progress.step();
            }
        }
        progress.finish();
        if (!limited && s.chunks() == 1) bench.finish(outDir, answers, modelId);
        System.out.println(answers);
        return 0;
    }

    private static double effectiveTemperature(BenchmarkPrompts bench, Settings s) {
        return s.temperature() != null ? s.temperature() : bench.temperature();
    }

    /** answers/m.jsonl -> answers/m_N_K.jsonl for chunk K of N (the seeds' naming), unchanged for one chunk. */
    static Path chunkFile(Path file, int chunks, int idx) {
        if (chunks == 1) return file;
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return file.resolveSibling(n.substring(0, dot) + "_" + chunks + "_" + idx + n.substring(dot));
    }

    /** Keys already answered; a last line cut by a kill is removed from the file. */
    static Set<String> resume(BenchmarkPrompts bench, Path answers) throws Exception {
        Set<String> done = new HashSet<>();
        if (!Files.exists(answers)) return done;
        List<String> lines = Files.readAllLines(answers, StandardCharsets.UTF_8);
        StringBuilder keep = new StringBuilder();
        boolean dropped = false;
        for (String l : lines) {
            try {
                JsonNode row = Json.MAPPER.readTree(l);
                done.add(bench.keyOf(row));
                keep.append(l).append('\n');
            } catch (Exception e) {
                dropped = true;
            }
        }
        if (dropped) Files.writeString(answers, keep.toString(), StandardCharsets.UTF_8);
        return done;
    }

    /** One request: the media decoded, the prompt rendered (upstream raw conversation or a chat template), greedy or sampled text. */
    static String generate(VisionLanguageModel model, BenchmarkPrompts bench, BenchPrompt p, SamplingParams params, Settings s) {
        List<RgbImage> images = new ArrayList<>();
        List<List<RgbImage>> videos = new ArrayList<>();
        switch (p.media()) {
            case BenchPrompt.ImageFile f -> images.add(ImageDecoder.decode(f.path()));
            case BenchPrompt.ImageBytes b -> images.add(ImageDecoder.decode(b.bytes()));
            case BenchPrompt.Video v -> {
                if (!model.capabilities().videos()) throw new IllegalArgumentException("this model (" + model.name() + ") does not take videos");
                videos.add(VideoDecoder.decode(v.path(), sampler(model, v, s.frames())));
            }
            case null -> {}
        }
        String marker = videos.isEmpty() ? Message.IMAGE_PLACEHOLDER : model.videoMarker();
        List<String> stops = new ArrayList<>(params.stopStrings());
        String prompt;
        if (p.rawPrompt() != null) {
            prompt = p.rawPrompt().replace(BenchPrompt.MEDIA, marker);
            stops.addAll(List.of("</s>", "<|im_end|>")); // the assistant separators of PLLaVA's vicuna and ChatML conversations
        } else {
            String conv = s.options().convMode();
            ChatTemplate template = conv == null || conv.startsWith("eval_") || conv.equals("model") ? model.chatTemplate() : ConversationTemplates.byName(conv);
            List<Message> messages = new ArrayList<>();
            if (p.system() != null) messages.add(Message.system(p.system()));
            String media = images.isEmpty() && videos.isEmpty() ? "" : marker + "\n";
            messages.add(Message.of(Message.USER, media + p.userText()));
            prompt = template.render(messages, true) + (p.answerPrefix() == null ? "" : p.answerPrefix());
            stops.addAll(template.stopStrings());
        }
        stops.addAll(bench.extraStops());
        MultimodalPrompt mp = model.prepare(prompt, images, videos);
        return Generator.generate(model, mp, params.withStopStrings(stops), null).text();
    }

    /** The model's frames, or PLLaVA's get_index over [start, end] seconds when the item gives a bound (MVBench). */
    static FrameSampler sampler(VisionLanguageModel model, BenchPrompt.Video v, Integer frames) {
        int count = frames != null ? frames : model.frameSampler().indices(10_000, 30).length;
        if (v.start() == null && frames == null) return model.frameSampler();
        double start = v.start() == null ? -100000 : v.start(), end = v.end() == null ? 100000 : v.end();
        boolean frameFolder = Files.isDirectory(v.path());
        // a frame folder counts max_frame = len(files) and numbers frames from 1 (read_frame)
        return (n, fps) -> io.llava4j.eval.PllavaFrames.indices(frameFolder ? n + 1 : n, frameFolder ? 3 : fps, start, end, count, frameFolder ? 1 : 0);
    }
}
