package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.server.OpenAiServer;
import io.llava4j.server.ServerConfig;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LLaVA-Bench end to end with llava4j on both sides: 'eval run' answers the questions with the tiny model, and
 * 'llava4j serve' (started here on the same tiny model) is the judge of 'eval score'. The tiny random model cannot
 * write a score pair, so every review is malformed: each is counted and reported, none is dropped, and the summary
 * is the official one over [-1, -1] tuples. A second scoring asks nothing (reviews kept, replies cached).
 */
class LlavaBenchWithLlava4jServerTest {
    @TempDir Path tmp;

    @Test
    void llavaBenchRunThenJudgedByLlava4jServe() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("llava-bench-in-the-wild"));
        Files.createDirectories(d.resolve("images"));
        BufferedImage bi = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) for (int x = 0; x < 32; x++) bi.setRGB(x, y, x * 8 << 16 | y * 10);
        ImageIO.write(bi, "png", d.resolve("images/001.png").toFile());
        Files.writeString(d.resolve("questions.jsonl"), """
                {"question_id": 0, "image": "001.png", "text": "What colors are there?", "category": "conv"}
                {"question_id": 1, "image": "001.png", "text": "Describe the image in detail.", "category": "detail"}
                """);
        Files.writeString(d.resolve("context.jsonl"), "{\"id\": \"001\", \"image\": \"001.png\", \"caption\": [\"A gradient.\"]}\n");
        Files.writeString(d.resolve("answers_gpt4.jsonl"), """
                {"question_id": 0, "text": "Red and blue.", "answer_id": "r0"}
                {"question_id": 1, "text": "A red to blue gradient.", "answer_id": "r1"}
                """);
        CliRunner.Result run = CliRunner.run(null, "eval", "run", "--benchmark", "llavabench", "--data", d.toString(),
                "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--max-new-tokens", "4");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(2, Files.readAllLines(d.resolve("answers/llava-1.5-tiny.jsonl")).size());

        try (OpenAiServer server = new OpenAiServer(Fixtures.dir("llava-1.5-tiny"), LoadOptions.defaults(), ServerConfig.defaults().withPort(0)).start()) {
            assertTrue(server.awaitReady(60_000));
            String[] score = {"eval", "score", "--benchmark", "llavabench", "--data", d.toString(), "--json",
                    "--judge-url", "http://127.0.0.1:" + server.port() + "/v1", "--judge-model", "llava-1.5-tiny"};
            CliRunner.Result r = CliRunner.run(null, score);
            assertEquals(0, r.exitCode(), r.err());
            JsonNode o = Json.MAPPER.readTree(r.out());
            assertEquals("llava-1.5-tiny @ http://127.0.0.1:" + server.port() + "/v1", o.get("judge").asText());
            JsonNode m = o.get("metrics");
            assertEquals(2, m.get("reviews").asInt());
            assertEquals(2, m.get("judge_requests").asInt());
            List<String> reviews = Files.readAllLines(d.resolve("reviews/llava-1.5-tiny.jsonl"));
            assertEquals(2, reviews.size());
            int malformed = 0;
            for (String line : reviews) {
                JsonNode rev = Json.MAPPER.readTree(line);
                double[] t = {rev.get("tuple").get(0).asDouble(), rev.get("tuple").get(1).asDouble()};
                if (t[0] == -1 && t[1] == -1) malformed++;
                assertTrue(rev.get("content").isTextual());
            }
            // random weights do not write "N M" on the first line
            assertEquals(2, malformed);
            assertEquals(2, m.get("malformed_reviews").asInt(), "every unparsable review is counted");
            assertEquals(100.0, m.get("relative_score").asDouble(), "(-1) / (-1) x 100, as the official summary gives it");
            assertEquals(-10.0, m.get("summary").get("all").get("ref_x10").asDouble());
            assertTrue(r.err().contains("2 review(s) without a parsable score pair"), r.err());

            CliRunner.Result again = CliRunner.run(null, score);
            assertEquals(0, again.exitCode(), again.err());
            JsonNode m2 = Json.MAPPER.readTree(again.out()).get("metrics");
            assertEquals(0, m2.get("judge_requests").asInt());
            assertEquals(m.get("summary"), m2.get("summary"));
        }
    }
}
