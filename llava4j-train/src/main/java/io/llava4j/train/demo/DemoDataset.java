package io.llava4j.train.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes the synthetic shapes dataset, deterministic from one seed:
 * <pre>
 * OUT/images/train_000000.png ...   rendered scenes (PNG, imageSize x imageSize)
 * OUT/images/test_000000.png ...
 * OUT/stage1.json     captions, LLaVA format: [{id, image, conversations: [{from: human, value: "&lt;image&gt;\n..."}, {from: gpt, value: caption}]}]
 * OUT/stage2.json     question/answer conversations (one to four turns), same format; "&lt;image&gt;\n" opens the first human turn
 * OUT/stage3.json     stage1.json's captions followed by stage2.json's conversations (the demo recipe's last stage trains
 *                     on both, so the vision tower keeps getting every object's shape and colour from the captions)
 * OUT/test.json       held-out questions: [{id, image, type, question, answer, expected, objects}] one per type per test scene
 * OUT/dataset.json    how it was made (seed, counts, image size)
 * </pre>
 * Image paths are relative to OUT (pass OUT as {@code --image_folder}). Train and test scenes come from disjoint seeds:
 * scene seed = mix(mix(seed) + 2 * index + split) with the bijective SplitMix64 finalizer, split 0 = train, 1 = test.
 */
public final class DemoDataset {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Question types a test scene gets, one question each. */
    public static final List<QuestionType> TEST_TYPES = List.of(QuestionType.values());

    public record Summary(int trainScenes, int testScenes, int stage2Turns, int testQuestions) {}

    private DemoDataset() {}

    public static long sceneSeed(long seed, int split, int index) {
        return mix64(mix64(seed) + 2L * index + split);
    }

    /** SplitMix64's finalizer: a bijection on longs. */
    static long mix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static Scene trainScene(long seed, int index, int imageSize) { return trainScene(seed, index, imageSize, 1); }

    /** A training scene with at least minShapes shapes (see {@link SceneGenerator#generate(long, int, int)}). */
    public static Scene trainScene(long seed, int index, int imageSize, int minShapes) {
        return SceneGenerator.generate(sceneSeed(seed, 0, index), imageSize, minShapes);
    }

    public static Scene testScene(long seed, int index, int imageSize) {
        return SceneGenerator.generate(sceneSeed(seed, 1, index), imageSize);
    }

    public static Summary write(Path out, int train, int test, long seed, int imageSize) throws IOException {
        return write(out, train, test, seed, imageSize, 1);
    }

    /** As above, with training scenes of at least minShapes shapes (test scenes keep the default mix). */
    public static Summary write(Path out, int train, int test, long seed, int imageSize, int minShapes) throws IOException {
        if (train < 0 || test < 0) throw new IllegalArgumentException("scene counts must not be negative (train " + train + ", test " + test + ")");
        Path images = out.resolve("images");
        Files.createDirectories(images);
        List<ObjectNode> stage1 = new ArrayList<>(), stage2 = new ArrayList<>(), tests = new ArrayList<>();
        int turns = 0;
        for (int i = 0; i < train; i++) {
            Scene s = trainScene(seed, i, imageSize, minShapes);
            String id = "train_%06d".formatted(i);
            String image = "images/" + id + ".png";
            Files.write(images.resolve(id + ".png"), SceneRenderer.png(s));
            SplittableRandom rnd = new SplittableRandom(s.seed() ^ 0x5DEECE66DL);
            List<String[]> caption = new ArrayList<>();
            caption.add(new String[]{"<image>\n" + DemoText.pick(DemoText.CAPTION_PROMPTS, rnd), DemoText.caption(s, rnd)});
            stage1.add(record(id, image, caption));
            List<QuestionAnswer> qas = conversation(s, rnd);
            turns += qas.size();
            List<String[]> pairs = new ArrayList<>();
            for (int t = 0; t < qas.size(); t++) pairs.add(new String[]{(t == 0 ? "<image>\n" : "") + qas.get(t).question(), qas.get(t).answer()});
            stage2.add(record(id, image, pairs));
        }
        for (int i = 0; i < test; i++) {
            Scene s = testScene(seed, i, imageSize);
            String id = "test_%06d".formatted(i);
            Files.write(images.resolve(id + ".png"), SceneRenderer.png(s));
            SplittableRandom rnd = new SplittableRandom(s.seed() ^ 0x5DEECE66DL);
            for (QuestionType type : TEST_TYPES) {
                QuestionAnswer qa = DemoText.question(s, type, rnd);
                ObjectNode r = JSON.createObjectNode();
                r.put("id", id + "_" + type.key).put("image", "images/" + id + ".png").put("type", type.key)
                        .put("question", qa.question()).put("answer", qa.answer()).put("expected", qa.expected());
                r.set("objects", objects(s));
                tests.add(r);
            }
        }
        writeArray(out.resolve("stage1.json"), stage1);
        writeArray(out.resolve("stage2.json"), stage2);
        List<ObjectNode> both = new ArrayList<>(stage1);
        both.addAll(stage2);
        writeArray(out.resolve("stage3.json"), both);
        writeArray(out.resolve("test.json"), tests);
        ObjectNode meta = JSON.createObjectNode();
        meta.put("generator", "llava4j make-demo-data").put("seed", seed).put("train_scenes", train).put("test_scenes", test)
                .put("image_size", imageSize).put("min_train_shapes", minShapes).put("stage2_turns", turns).put("test_questions", tests.size());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("dataset.json").toFile(), meta);
        return new Summary(train, test, turns, tests.size());
    }

    /** Half the conversations have one turn, the rest two to four, drawn from the scene's questions in random order. */
    static List<QuestionAnswer> conversation(Scene s, SplittableRandom rnd) {
        List<QuestionAnswer> all = new ArrayList<>(DemoText.questions(s, rnd));
        for (int i = all.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            QuestionAnswer t = all.get(i);
            all.set(i, all.get(j));
            all.set(j, t);
        }
        int n = rnd.nextBoolean() ? 1 : 2 + rnd.nextInt(3);
        return all.subList(0, Math.min(n, all.size()));
    }

    private static ObjectNode record(String id, String image, List<String[]> turns) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("image", image);
        ArrayNode conv = r.putArray("conversations");
        for (String[] t : turns) {
            conv.addObject().put("from", "human").put("value", t[0]);
            conv.addObject().put("from", "gpt").put("value", t[1]);
        }
        return r;
    }

    static ArrayNode objects(Scene s) {
        ArrayNode a = JSON.createArrayNode();
        for (SceneObject o : s.objects()) {
            a.addObject().put("shape", o.kind().word).put("color", o.color().word).put("size", o.size().word)
                    .put("position", o.placement().word);
        }
        return a;
    }

    /** A JSON array with one record per line (readable, diffable, and what json.load expects). */
    private static void writeArray(Path file, List<ObjectNode> records) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write("[\n");
            for (int i = 0; i < records.size(); i++) {
                w.write(JSON.writeValueAsString(records.get(i)));
                w.write(i + 1 < records.size() ? ",\n" : "\n");
            }
            w.write("]\n");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
