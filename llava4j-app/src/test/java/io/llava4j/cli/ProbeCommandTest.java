package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.format.Npy;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The probe contract: one JSON object with input_ids, last_top5, greedy_ids, greedy_text; --logits-out. */
class ProbeCommandTest {
    @TempDir Path tmp;

    @Test
    void probeReproducesGoldens() throws Exception {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        JsonNode g = Fixtures.golden("llava-1.5-tiny");
        Path npy = tmp.resolve("last.npy");
        CliRunner.Result r = CliRunner.run(null, "probe", "--model", dir.toString(),
                "--image", dir.resolve("golden/img_landscape_200x150.png").toString(),
                "--prompt", g.get("prompt").get("text").asText(), "--logits-out", npy.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "exactly one line of JSON on stdout");
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals(g.get("prompt").get("input_ids"), o.get("input_ids"));
        assertEquals(g.get("forward").get("greedy_new_ids"), o.get("greedy_ids"));
        assertEquals(g.get("forward").get("greedy_text").asText(), o.get("greedy_text").asText());
        JsonNode gold5 = g.get("forward").get("top5_last3_positions").get("33");
        for (int i = 0; i < 5; i++) {
            assertEquals(gold5.get(i).get(0).asInt(), o.get("last_top5").get(i).get(0).asInt());
            assertEquals(gold5.get(i).get(1).asDouble(), o.get("last_top5").get(i).get(1).asDouble(), 1e-4);
        }
        Npy.Array logits = Npy.read(npy);
        assertEquals(1, logits.shape().length);
        Diff.assertClose("probe --logits-out vs golden", logits.floats(), Npy.read(dir.resolve("golden/llava_last_logits.npy")).values(), 1e-4);
    }

    @Test
    void probeMaxNewTokensIsHonoured() throws Exception {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        CliRunner.Result r = CliRunner.run(null, "probe", "--model", dir.toString(), "--prompt", "Hello", "--max-new-tokens", "3");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(3, Json.MAPPER.readTree(r.out()).get("greedy_ids").size());
    }

    @Test
    void probeTakesAFolderOfFramesAsAVideo() throws Exception {
        Path dir = Fixtures.dir("video-llava-tiny");
        JsonNode g = Fixtures.golden("video-llava-tiny");
        Path frames = tmp.resolve("frames");
        java.nio.file.Files.createDirectories(frames);
        for (int i = 0; i < 8; i++) {
            String f = "video_frame_0" + i + ".png";
            java.nio.file.Files.copy(dir.resolve("golden").resolve(f), frames.resolve(f));
        }
        java.nio.file.Files.writeString(frames.resolve("notes.txt"), "not a frame");
        CliRunner.Result r = CliRunner.run(null, "probe", "--model", dir.toString(), "--video", frames.toString(),
                "--prompt", g.get("prompt_video").get("text").asText());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertEquals(g.get("prompt_video").get("input_ids"), o.get("input_ids"));
        assertEquals(g.get("forward_video").get("greedy_new_ids"), o.get("greedy_ids"));
    }
}
