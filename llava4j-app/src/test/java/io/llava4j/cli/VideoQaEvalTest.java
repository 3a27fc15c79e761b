package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.llava4j.config.Json;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Video QA end to end: miniature benchmark (real mp4 files) -> eval run with a video model -> judged score -> report. */
class VideoQaEvalTest {
    @TempDir Path tmp;

    @Test
    void videoQaRunJudgeAndReport() throws Exception {
        Path data = tmp.resolve("vqa");
        assertEquals(0, CliRunner.run(null, "eval", "mini", "--video", "--per-category", "3", "--out", data.toString()).exitCode());
        CliRunner.Result run = CliRunner.run(null, "eval", "run", "--benchmark", "activitynet_qa", "--data", data.toString(),
                "--model", Fixtures.dir("video-llava-tiny").toString(), "--max-new-tokens", "4");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode preds = Json.MAPPER.readTree(Files.readString(data.resolve("pred_activitynet_qa.json")));
        assertEquals(3, preds.size());
        assertTrue(preds.get(0).has("pred") && preds.get(0).get("A").asText().matches("left|right"));

        AtomicInteger calls = new AtomicInteger();
        HttpServer judge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        judge.createContext("/v1/chat/completions", ex -> {
            ex.getRequestBody().readAllBytes();
            // the first reply is malformed: the scorer must ask again
            String reply = calls.getAndIncrement() == 0 ? "pred: yes" : "{'pred': 'yes', 'score': 4}";
            byte[] out = ("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":" + Json.MAPPER.writeValueAsString(reply) + "}}]}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        judge.start();
        try {
            Path result = tmp.resolve("videoqa.json");
            CliRunner.Result score = CliRunner.run(null, "eval", "score", "--benchmark", "videochatgpt_qa", "--data", data.toString(), "--json",
                    "--judge-url", "http://127.0.0.1:" + judge.getAddress().getPort() + "/v1", "--model-name", "video-llava-tiny",
                    "--frame-sampler", "linspace 8", "--out", result.toString());
            assertEquals(0, score.exitCode(), score.err());
            JsonNode m = Json.MAPPER.readTree(score.out()).get("metrics");
            assertEquals(1.0, m.get("accuracy").asDouble());
            assertEquals(4.0, m.get("average_score").asDouble());
            assertEquals(1, m.get("malformed_replies").asInt());
            assertTrue(calls.get() >= 2 && calls.get() <= 4, "identical requests are answered from the cache: " + calls.get());
            CliRunner.Result report = CliRunner.run(null, "eval", "report", result.toString(), "--out", tmp.resolve("report").toString());
            assertEquals(0, report.exitCode(), report.err());
            assertTrue(Files.readString(tmp.resolve("report/report.md")).contains("linspace 8"));
        } finally {
            judge.stop(0);
        }
    }
}
