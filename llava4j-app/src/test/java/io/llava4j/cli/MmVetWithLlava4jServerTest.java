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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MM-Vet end to end: 'eval run' answers and writes results/&lt;model&gt;.json, 'llava4j serve' on the tiny model grades.
 * Its replies are rarely a number in [0, 1]: each unparsable reply is counted and asked again (the official loop),
 * so every request beyond the first per item answers a malformed reply, and every item ends with a score.
 */
class MmVetWithLlava4jServerTest {
    @TempDir Path tmp;

    @Test
    void mmVetRunThenGradedByLlava4jServe() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("mm-vet"));
        Files.createDirectories(d.resolve("images"));
        BufferedImage bi = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) bi.setRGB(x, y, (x * 9) << 8 | y * 9);
        for (int i = 0; i < 2; i++) ImageIO.write(bi, "png", d.resolve("images/v1_" + i + ".png").toFile());
        Files.writeString(d.resolve("llava-mm-vet.jsonl"), """
                {"question_id": 0, "image": "v1_0.png", "text": "What is shown?"}
                {"question_id": 1, "image": "v1_1.png", "text": "What color is it?"}
                """);
        Files.writeString(d.resolve("mm-vet.json"), """
                {"v1_0": {"imagename": "v1_0.png", "capability": ["rec"], "question": "What is shown?", "answer": "a gradient"},
                 "v1_1": {"imagename": "v1_1.png", "capability": ["rec", "ocr"], "question": "What color is it?", "answer": "green<OR>cyan"}}""");
        CliRunner.Result run = CliRunner.run(null, "eval", "run", "--benchmark", "mmvet", "--data", d.toString(),
                "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--max-new-tokens", "4");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode results = Json.MAPPER.readTree(Files.readString(d.resolve("results/llava-1.5-tiny.json")));
        assertEquals(2, results.size());
        assertTrue(results.has("v1_0") && results.has("v1_1"));

        try (OpenAiServer server = new OpenAiServer(Fixtures.dir("llava-1.5-tiny"), LoadOptions.defaults(), ServerConfig.defaults().withPort(0)).start()) {
            assertTrue(server.awaitReady(60_000));
            String[] score = {"eval", "score", "--benchmark", "mmvet", "--data", d.toString(), "--json",
                    "--judge-url", "http://127.0.0.1:" + server.port() + "/v1", "--judge-model", "llava-1.5-tiny", "--judge-retries", "1"};
            CliRunner.Result r = CliRunner.run(null, score);
            assertEquals(0, r.exitCode(), r.err());
            JsonNode m = Json.MAPPER.readTree(r.out()).get("metrics");
            assertEquals(2, m.get("graded").asInt());
            int requests = m.get("judge_requests").asInt(), malformed = m.get("malformed_replies").asInt();
            assertEquals(2 + malformed, requests, "each malformed reply is asked again once");
            assertTrue(requests <= 12, "at most 6 requests an item");
            assertTrue(m.get("total").asDouble() >= 0 && m.get("total").asDouble() <= 100);
            assertTrue(m.get("capabilities").has("rec") && m.get("capabilities").has("ocr"), m.toString());
            assertTrue(Files.isRegularFile(d.resolve("results/llava-1.5-tiny_llava-1.5-tiny-grade-1runs.json")));

            CliRunner.Result again = CliRunner.run(null, score);
            assertEquals(0, again.exitCode(), again.err());
            JsonNode m2 = Json.MAPPER.readTree(again.out()).get("metrics");
            assertEquals(0, m2.get("judge_requests").asInt(), "graded items are kept");
            assertEquals(m.get("total"), m2.get("total"));
        }
    }
}
