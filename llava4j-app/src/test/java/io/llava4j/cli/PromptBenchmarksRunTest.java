package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 'eval run' for the benchmarks whose prompts the eval module builds, with the tiny model: ScienceQA from the raw
 * problems (killed, resumed, same file as an uninterrupted run, then scored), MMBench with --all-rounds from a TSV
 * with base64 images, and MVBench with PLLaVA's conversation on real mp4 files (then both MVBench scorers).
 */
class PromptBenchmarksRunTest {
    @TempDir Path tmp;

    static String tiny() { return Fixtures.dir("llava-1.5-tiny").toString(); }

    static byte[] png(int rgb) throws Exception {
        BufferedImage bi = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 40; x++) bi.setRGB(x, y, rgb ^ (x * y));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(bi, "png", out);
        return out.toByteArray();
    }

    /** ScienceQA's raw layout: base/problems.json, base/pid_splits.json, images/test/&lt;pid&gt;/image.png. */
    Path scienceQa(String name) throws Exception {
        Path d = tmp.resolve(name);
        Files.createDirectories(d.resolve("base"));
        StringBuilder problems = new StringBuilder("{");
        for (int i = 0; i < 5; i++) {
            boolean image = i % 2 == 0;
            if (image) Files.write(Files.createDirectories(d.resolve("images/test/" + (100 + i))).resolve("image.png"), png(0x3366aa * (i + 1)));
            problems.append(i == 0 ? "" : ",").append("\"").append(100 + i).append("\": {\"question\": \"Which color is shown ").append(i)
                    .append("?\", \"choices\": [\"red\", \"blue\", \"green\"], \"answer\": ").append(i % 3).append(", \"hint\": \"\", \"image\": ")
                    .append(image ? "\"image.png\"" : "null").append(", \"split\": \"test\"}");
        }
        Files.writeString(d.resolve("base/problems.json"), problems.append("}"));
        Files.writeString(d.resolve("base/pid_splits.json"), "{\"test\": [\"100\", \"101\", \"102\", \"103\", \"104\"]}");
        return d;
    }

    @Test
    void scienceQaKilledAndResumedEqualsUninterrupted() throws Exception {
        Path a = scienceQa("a"), b = scienceQa("b");
        String[] run = {"eval", "run", "--benchmark", "scienceqa", "--model", tiny(), "--max-new-tokens", "3"};
        CliRunner.Result full = CliRunner.run(null, EvalRunTest.concat(run, "--data", a.toString()));
        assertEquals(0, full.exitCode(), full.err());
        Path answersA = a.resolve("answers/llava-1.5-tiny.jsonl");
        List<String> rows = Files.readAllLines(answersA);
        assertEquals(5, rows.size());
        JsonNode first = Json.MAPPER.readTree(rows.getFirst());
        assertEquals("100", first.get("question_id").asText());
        assertEquals("<image>\nContext: N/A\nQuestion: Which color is shown 0?\nOptions: (A) red (B) blue (C) green\n"
                + "Answer with the option's letter from the given choices directly.", first.get("prompt").asText());
        assertTrue(Json.MAPPER.readTree(rows.get(1)).get("prompt").asText().startsWith("Context: N/A\nQuestion: Which color is shown 1?"));

        // killed after two answers and half a row
        assertEquals(0, CliRunner.run(null, EvalRunTest.concat(run, "--data", b.toString(), "--limit", "2")).exitCode());
        Path answersB = b.resolve("answers/llava-1.5-tiny.jsonl");
        Files.writeString(answersB, "{\"question_id\": \"102\", \"prompt\": \"<ima", StandardOpenOption.APPEND);
        CliRunner.Result resumed = CliRunner.run(null, EvalRunTest.concat(run, "--data", b.toString()));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resuming, 2 of 5"), resumed.err());
        assertEquals(Files.readString(answersA), Files.readString(answersB));

        CliRunner.Result score = CliRunner.run(null, "eval", "score", "--benchmark", "scienceqa", "--data", a.toString(), "--json");
        assertEquals(0, score.exitCode(), score.err());
        assertTrue(Json.MAPPER.readTree(score.out()).get("metrics").has("acc"), score.out());
    }

    @Test
    void mmBenchAllRoundsFromTheTsv() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("mmbench"));
        String img = Base64.getEncoder().encodeToString(png(0x22aa44));
        Files.writeString(d.resolve("mmbench_dev_20230712.tsv"), "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tcomment\tsplit\n"
                + "3\tWhat color?\tA hint.\tgreen\tred\t\t\tA\tcolor\t" + img + "\ts\tFP-S\t\tdev\n");
        CliRunner.Result r = CliRunner.run(null, "eval", "run", "--benchmark", "mmbench", "--data", d.toString(), "--model", tiny(),
                "--max-new-tokens", "2", "--all-rounds");
        assertEquals(0, r.exitCode(), r.err());
        List<String> rows = Files.readAllLines(d.resolve("answers/llava-1.5-tiny.jsonl"));
        assertEquals(2, rows.size());
        JsonNode second = Json.MAPPER.readTree(rows.get(1));
        assertEquals(3, second.get("question_id").asInt());
        assertEquals(1, second.get("round_id").asInt());
        assertEquals("A hint.\nWhat color?\nA. red\nB. green", second.get("prompt").asText());
        assertEquals("[\"B\",\"A\"]", second.get("option_char").toString());
        assertEquals(List.of("question_id", "round_id", "prompt", "text", "options", "option_char", "answer_id", "model_id", "metadata"),
                iterableToList(second.fieldNames()));
    }

    static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void mvBenchWithThePllavaConversationAndBothScorers() throws Exception {
        Path mini = tmp.resolve("mini");
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--video", "--per-category", "2", "--out", mini.toString()).exitCode());
        Path d = Files.createDirectories(tmp.resolve("MVBench"));
        Path videos = Files.createDirectories(d.resolve("video/clevrer/video_validation"));
        for (int i = 0; i < 2; i++) Files.copy(mini.resolve("videos/v_mini" + i + ".mp4"), videos.resolve("v" + i + ".mp4"));
        Files.createDirectories(d.resolve("json"));
        Files.writeString(d.resolve("json/moving_direction.json"), """
                [{"video": "v0.mp4", "question": "Which way does the square move?", "candidates": ["left", "right"], "answer": "right"},
                 {"video": "v1.mp4", "question": "Which way does the square move?", "candidates": ["right", "left"], "answer": "left"}]""");
        CliRunner.Result r = CliRunner.run(null, "eval", "run", "--benchmark", "mvbench", "--data", d.toString(),
                "--model", Fixtures.dir("pllava-tiny").toString(), "--max-new-tokens", "3", "--frames", "4");
        assertEquals(0, r.exitCode(), r.err());
        List<String> rows = Files.readAllLines(d.resolve("docs_and_predictions.jsonl"));
        assertEquals(2, rows.size());
        JsonNode row = Json.MAPPER.readTree(rows.getFirst());
        assertEquals("moving_direction", row.get("task").asText());
        assertEquals("(B) right", row.get("gt").asText());
        assertTrue(row.get("pred").asText().startsWith("("), row.toString());
        assertTrue(row.get("prompt").asText().endsWith("(B) right \nOnly give the best option. ASSISTANT:Best option:("), row.toString());
        for (String bench : new String[] {"mvbench", "mvbench_pllava"}) {
            CliRunner.Result s = CliRunner.run(null, "eval", "score", "--benchmark", bench, "--data", d.toString(), "--json");
            assertEquals(0, s.exitCode(), s.err());
            JsonNode m = Json.MAPPER.readTree(s.out()).get("metrics");
            assertTrue(m.size() >= 1, s.out());
        }
    }

    @Test
    void vcgBenchGenericAndConsistencyToPllavaResultList() throws Exception {
        Path mini = tmp.resolve("mini-vcg");
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--video", "--per-category", "2", "--out", mini.toString()).exitCode());
        Path d = Files.createDirectories(tmp.resolve("VCGBench"));
        Path videos = Files.createDirectories(d.resolve("Videos/Benchmarking"));
        for (int i = 0; i < 2; i++) Files.copy(mini.resolve("videos/v_mini" + i + ".mp4"), videos.resolve("v" + i + ".mp4"));
        Path qa = Files.createDirectories(d.resolve("Zero_Shot_QA/Benchmarking_QA"));
        Files.writeString(qa.resolve("generic_qa.json"), "[{\"video_name\": \"v0\", \"Q\": \"What moves?\", \"A\": \"A square.\"}]");
        Files.writeString(qa.resolve("consistency_qa.json"), "[{\"video_name\": \"v1\", \"Q1\": \"Where does it go?\", \"Q2\": \"Which way?\", \"A\": \"Left.\"}]");
        CliRunner.Result r = CliRunner.run(null, "eval", "run", "--benchmark", "vcgbench", "--data", d.toString(),
                "--model", Fixtures.dir("pllava-tiny").toString(), "--max-new-tokens", "3", "--frames", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(3, Files.readAllLines(d.resolve("answers/pllava-tiny.jsonl")).size());
        JsonNode res = Json.MAPPER.readTree(Files.readString(d.resolve("inference_results.json")));
        assertEquals(2, res.size());
        assertEquals("generic_qa", res.get(0).get("task_type").asText());
        assertEquals("Which way?", res.get(1).get("question").asText());
        assertTrue(res.get(1).has("pred1"));
    }
}
