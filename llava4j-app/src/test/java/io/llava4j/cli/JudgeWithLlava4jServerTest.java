package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.model.LoadOptions;
import io.llava4j.server.OpenAiServer;
import io.llava4j.server.ServerConfig;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llava4j serve as the judge of a video-QA run. The tiny random model answers gibberish, so every reply is malformed:
 * each item is asked again up to the cap, counted, reported as unjudged, and the run still ends with a result.
 */
class JudgeWithLlava4jServerTest {
    @TempDir Path tmp;

    @Test
    void llava4jServerAsJudge() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("vqa"));
        Files.writeString(data.resolve("pred_activitynet_qa.json"),
                "[{\"video_name\": \"v_a\", \"Q\": \"What moves?\", \"A\": \"a square\", \"pred\": \"a square moves\"}]");
        try (OpenAiServer server = new OpenAiServer(Fixtures.dir("llava-1.5-tiny"), LoadOptions.defaults(), ServerConfig.defaults().withPort(0)).start()) {
            assertTrue(server.awaitReady(60_000));
            CliRunner.Result r = CliRunner.run(null, "eval", "score", "--benchmark", "videochatgpt_qa", "--data", data.toString(), "--json",
                    "--judge-url", "http://127.0.0.1:" + server.port() + "/v1", "--judge-model", "llava-1.5-tiny");
            assertEquals(0, r.exitCode(), r.err());
            JsonNode m = Json.MAPPER.readTree(r.out()).get("metrics");
            assertEquals(10, m.get("judge_calls").asInt());
            assertEquals(10, m.get("malformed_replies").asInt());
            assertEquals(1, m.get("unjudged").asInt());
            assertTrue(r.err().contains("no parsable judgement"), r.err());
        }
    }
}
