package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scoring contract: `llava4j eval score --benchmark NAME --data DIR --json` prints one JSON object. */
class EvalCommandTest {
    @Test
    void scoreContract() throws Exception {
        Path eval = Fixtures.shared().resolve("fixtures/eval");
        CliRunner.Result r = CliRunner.run(null, "eval", "score", "--benchmark", "pope", "--data", eval.resolve("pope").toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals("pope", o.get("benchmark").asText());
        assertEquals(0.4, o.get("metrics").get("random").get("accuracy").asDouble(), 1e-12);
        Path v = eval.resolve("videochatgpt_qa");
        CliRunner.Result j = CliRunner.run(null, "eval", "score", "--benchmark", "videochatgpt_qa", "--data", v.toString(), "--json",
                "--judge-replay", v.resolve("judge_responses.json").toString());
        assertEquals(0, j.exitCode(), j.err());
        assertEquals(2.25, Json.MAPPER.readTree(j.out()).get("metrics").get("average_score").asDouble(), 1e-12);
        CliRunner.Result bad = CliRunner.run(null, "eval", "score", "--benchmark", "nope", "--data", eval.toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("unknown benchmark"), bad.err());
    }
}
