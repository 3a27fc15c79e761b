package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.api.Llava4j;
import io.llava4j.config.Json;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The generate step (LLaVA's model_vqa_loader): a question file (jsonl: question_id, image, text) and an image folder
 * -> answers/&lt;model&gt;.jsonl rows {question_id, prompt, text, answer_id, model_id, metadata}. Greedy by default;
 * the image goes first as {@code <image>\n} + question, rendered with the model's template (or --conv-mode).
 * Append-only and resumable: rows already in the answers file are skipped, each new row is flushed and synced.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Generate a benchmark's answer file with a model (resumable).")
final class EvalRunCommand implements Callable<Integer> {
    /** Question files and image folders of the layouts the seeds' eval scripts use. */
    static final Map<String, String[]> LAYOUTS = Map.of(
            "pope", new String[] {"llava_pope_test.jsonl", "val2014"},
            "textvqa", new String[] {"llava_textvqa_val_v051_ocr.jsonl", "train_images"},
            "gqa", new String[] {"llava_gqa_testdev_balanced.jsonl", "images"},
            "vqav2", new String[] {"llava_vqav2_mscoco_test-dev2015.jsonl", "test2015"},
            "vizwiz", new String[] {"llava_test.jsonl", "test"},
            "mme", new String[] {"llava_mme.jsonl", "MME_Benchmark_release_version"},
            "seed_bench", new String[] {"llava-seed-bench.jsonl", "SEED-Bench-image"});

    @Mixin ModelOptions model;

    @Option(names = "--benchmark", required = true, paramLabel = "NAME", description = "pope, textvqa, gqa, vqav2, vizwiz, mme, seed_bench (or any, with --questions/--images); scienceqa, mmbench, llavabench, mmvet, mvbench, vcgbench; msvd_qa, msrvtt_qa, tgif_qa, activitynet_qa")
    String benchmark;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The benchmark folder.")
    Path data;

    @Option(names = "--questions", paramLabel = "FILE", description = "Question file (default: the benchmark's usual name in --data).")
    Path questions;

    @Option(names = "--images", paramLabel = "DIR", description = "Image folder (default: the benchmark's usual folder in --data, else --data).")
    Path images;

    @Option(names = "--out", paramLabel = "DIR", description = "Where answers/ goes (default: --data).")
    Path out;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N questions (of this chunk).")
    Integer limit;

    @Option(names = "--chunks", defaultValue = "1", paramLabel = "N", description = "Split the questions into N chunks (default ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--chunk-idx", defaultValue = "0", paramLabel = "K", description = "Which chunk this process answers (default ${DEFAULT-VALUE}).")
    int chunkIdx;

    @Option(names = "--conv-mode", paramLabel = "NAME", description = "Conversation template (the seeds' eval scripts use vicuna_v1; default: the model's own). mvbench/vcgbench: PLLaVA's eval_mvbench, eval_vcgbench (defaults), eval_mvbench_llavanext, eval_vcg_llavanext, or 'model'.")
    String convMode;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Default: the seed script's value (1024 for scienceqa, mmbench, llavabench, mmvet; 100 mvbench; 512 vcgbench), else 128.")
    Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Default 0 (greedy, as the seeds' v1.5 eval scripts call them).")
    Double temperature;

    @Option(names = "--all-rounds", description = "MMBench: ask each question once per option, the options rotated (circular evaluation).")
    boolean allRounds;

    @Option(names = "--lang", defaultValue = "en", paramLabel = "en|cn", description = "MMBench: language of the answer instruction (default ${DEFAULT-VALUE}).")
    String lang;

    @Option(names = "--frames", paramLabel = "N", description = "Video benchmarks run through the prompt builders: frames per video (default: the model's sampler).")
    Integer frames;

    @Option(names = "--engine", defaultValue = "local", paramLabel = "NAME", description = "local (this process; default) or spark (llava4j-spark, see docs/SPARK.md).")
    String engine;

    @Option(names = "--master", paramLabel = "URL", description = "With --engine spark: local[*] (default), spark://HOST:7077, k8s://...")
    String master;

    /** Zero-shot video QA benchmarks (Video-ChatGPT / Video-LLaVA layout: test_q.json, test_a.json, a video folder). */
    static final java.util.Set<String> VIDEO_QA = java.util.Set.of("videoqa", "msvd_qa", "msrvtt_qa", "tgif_qa", "activitynet_qa");

    @Override
    public Integer call() throws Exception {
        model.require();
        if (VIDEO_QA.contains(benchmark) && !engine.equals("local")) throw new IllegalArgumentException("--engine " + engine + " answers question-file benchmarks; video QA runs locally");
        io.llava4j.eval.BenchmarkPrompts builder = io.llava4j.eval.BenchmarkPromptsRegistry.find(benchmark);
        if (builder != null) {
            if (!engine.equals("local")) throw new IllegalArgumentException("--engine " + engine + " answers the plain question-file benchmarks; " + benchmark + " runs locally");
            if (!lang.equals("en") && !lang.equals("cn")) throw new IllegalArgumentException("--lang must be en or cn, got " + lang);
            var options = new io.llava4j.eval.GenerateOptions(questions, images, allRounds, lang, convMode);
            return PromptRunner.run(builder, model.model, model.loadOptions(), new PromptRunner.Settings(data, out, options, limit, chunks, chunkIdx,
                    maxNewTokens, temperature, frames));
        }
        if (VIDEO_QA.contains(benchmark)) return videoQa();
        if (chunks < 1 || chunkIdx < 0 || chunkIdx >= chunks) throw new IllegalArgumentException("--chunk-idx must be in [0, --chunks), got " + chunkIdx + " of " + chunks);
        String[] layout = LAYOUTS.getOrDefault(benchmark, new String[] {null, null});
        Path qFile = questions != null ? questions : layout[0] == null ? null : data.resolve(layout[0]);
        if (qFile == null) throw new IllegalArgumentException("no default question file for '" + benchmark + "': pass --questions FILE");
        if (!Files.isRegularFile(qFile)) throw new IllegalArgumentException("question file not found: " + qFile);
        Path imgDir = images != null ? images : layout[1] != null && Files.isDirectory(data.resolve(layout[1])) ? data.resolve(layout[1]) : data;
        List<JsonNode> all = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(qFile, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) continue;
            try {
                all.add(Json.MAPPER.readTree(line));
            } catch (Exception e) {
                throw new IllegalArgumentException(qFile + ":" + lineNo + ": not valid JSON");
            }
        }
        // LLaVA's get_chunk: ceil(len / n) per chunk
        int size = (all.size() + chunks - 1) / chunks;
        List<JsonNode> mine = all.subList(Math.min(all.size(), chunkIdx * size), Math.min(all.size(), (chunkIdx + 1) * size));
        if (limit != null) mine = mine.subList(0, Math.min(limit, mine.size()));
        String modelId = model.model.toAbsolutePath().normalize().getFileName().toString();
        Path answersDir = (out != null ? out : data).resolve("answers");
        Files.createDirectories(answersDir);
        Path answers = answersDir.resolve(chunks == 1 ? modelId + ".jsonl" : modelId + "_" + chunks + "_" + chunkIdx + ".jsonl");
        if (!engine.equals("local")) {
            // Another engine answers the whole file (it resumes and splits on its own); chunks stay a local-run notion.
            if (chunks != 1) throw new IllegalArgumentException("--chunks is for local runs; --engine " + engine + " splits the work itself");
            int unanswered = io.llava4j.eval.AnswerEngine.named(engine).answer(new io.llava4j.eval.AnswerEngine.Request(
                    qFile, imgDir, model.model, model.asArgs(), convMode, maxNewTokens == null ? 128 : maxNewTokens,
                    temperature == null ? 0 : temperature, limit, answers, master));
            if (unanswered > 0) System.err.println("eval " + benchmark + ": " + unanswered + " questions could not be answered (see the errors file)");
            System.out.println(answers);
            return 0;
        }
        Set<String> done = new HashSet<>();
        if (Files.exists(answers)) {
            List<String> lines = Files.readAllLines(answers, StandardCharsets.UTF_8);
            StringBuilder keep = new StringBuilder();
            for (String l : lines) {
                try {
                    done.add(Json.MAPPER.readTree(l).get("question_id").asText());
                    keep.append(l).append('\n');
                } catch (Exception e) {
                    // a row cut by a kill: drop it, it is answered again
                }
            }
            if (keep.length() != String.join("\n", lines).length() + (lines.isEmpty() ? 0 : 1)) Files.writeString(answers, keep.toString());
        }
        SamplingParams params = samplingParams();
        Progress progress = new Progress(mine.size(), done.size(), "eval " + benchmark);
        try (Llava4j llava = Llava4j.load(model.model, model.loadOptions());
             BufferedWriter w = Files.newBufferedWriter(answers, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            var channel = java.nio.channels.FileChannel.open(answers, StandardOpenOption.WRITE);
            for (JsonNode q : mine) {
                String qid = q.get("question_id").asText();
                if (done.contains(qid)) continue;
                String text = q.get("text").asText();
                List<RgbImage> imgs = q.hasNonNull("image") ? List.of(ImageDecoder.decode(imgDir.resolve(q.get("image").asText()))) : List.of();
                String answer = llava.newChat(convMode).send(text, imgs, params, null).text();
                ObjectNode row = Json.MAPPER.createObjectNode();
                row.set("question_id", q.get("question_id"));
                row.put("prompt", text).put("text", answer).put("answer_id", answerId(modelId, qid)).put("model_id", modelId);
                row.putObject("metadata");
                w.write(Json.MAPPER.writeValueAsString(row));
                w.write('\n');
                w.flush();
                channel.force(false);
                done.add(qid);
                progress.step();
            }
            channel.close();
        }
        progress.finish();
        System.out.println(answers);
        return 0;
    }

    /**
     * Video QA generate step: every question of test_q.json with its video (video_name + a known extension, in
     * --images or data/videos) and the answer from test_a.json -> pred_&lt;benchmark&gt;.json, a list of
     * {video_name, Q, A, pred} as Video-ChatGPT's judging script reads it. Resumable through a jsonl sidecar.
     */
    private int videoQa() throws Exception {
        JsonNode qs = Json.read(data.resolve("test_q.json")), as = Json.read(data.resolve("test_a.json"));
        Map<String, String> answersById = new java.util.HashMap<>();
        for (JsonNode a : as) answersById.put(a.get("question_id").asText(), a.get("answer").asText());
        Path videos = images != null ? images : Files.isDirectory(data.resolve("videos")) ? data.resolve("videos") : data;
        Path outDir = out != null ? out : data;
        Files.createDirectories(outDir);
        Path sidecar = outDir.resolve("pred_" + benchmark + ".partial.jsonl"), result = outDir.resolve("pred_" + benchmark + ".json");
        List<JsonNode> done = new ArrayList<>();
        if (Files.exists(sidecar)) {
            for (String l : Files.readAllLines(sidecar, StandardCharsets.UTF_8)) {
                try { done.add(Json.MAPPER.readTree(l)); } catch (Exception e) { /* a row cut by a kill */ }
            }
            Files.writeString(sidecar, done.stream().map(JsonNode::toString).reduce("", (x, y) -> x + y + "\n"));
        }
        List<JsonNode> todo = new ArrayList<>();
        qs.forEach(todo::add);
        if (limit != null) todo = todo.subList(0, Math.min(limit, todo.size()));
        SamplingParams params = samplingParams();
        Progress progress = new Progress(todo.size(), done.size(), "eval " + benchmark);
        try (Llava4j llava = Llava4j.load(model.model, model.loadOptions())) {
            if (!llava.model().capabilities().videos()) throw new IllegalArgumentException("this model does not take videos");
            for (int i = done.size(); i < todo.size(); i++) {
                JsonNode q = todo.get(i);
                String name = q.get("video_name").asText();
                Path video = null;
                for (String ext : new String[] {"", ".mp4", ".mkv", ".avi", ".webm", ".gif", ".mov"}) {
                    Path c = videos.resolve(name + ext);
                    if (Files.exists(c)) { video = c; break; }
                }
                if (video == null) throw new IllegalArgumentException("video " + name + " not found in " + videos);
                var frames = io.llava4j.media.VideoDecoder.decode(video, llava.model().frameSampler());
                String pred = llava.newChat(convMode).send(q.get("question").asText(), List.of(), List.of(frames), params, null).text();
                ObjectNode row = Json.MAPPER.createObjectNode().put("video_name", name).put("Q", q.get("question").asText())
                        .put("A", answersById.getOrDefault(q.path("question_id").asText(), "")).put("pred", pred);
                Files.writeString(sidecar, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                done.add(row);
                progress.step();
            }
        }
        progress.finish();
        var arr = Json.MAPPER.createArrayNode();
        done.forEach(arr::add);
        Path tmp = Files.createTempFile(outDir, ".pred", ".tmp");
        Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
        Files.move(tmp, result, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        if (done.size() == qs.size()) Files.deleteIfExists(sidecar);
        System.out.println(result);
        return 0;
    }

    /** Greedy unless --temperature > 0; --max-new-tokens or 128. */
    private SamplingParams samplingParams() {
        double t = temperature == null ? 0 : temperature;
        return (t == 0 ? SamplingParams.greedy() : SamplingParams.defaults().withTemperature(t)).withMaxNewTokens(maxNewTokens == null ? 128 : maxNewTokens);
    }

    /** Deterministic 22-character id (the seeds use a random shortuuid), so a resumed run writes the same file. */
    static String answerId(String model, String qid) {
        return io.llava4j.eval.AnswerEngine.answerId(model, qid);
    }
}
