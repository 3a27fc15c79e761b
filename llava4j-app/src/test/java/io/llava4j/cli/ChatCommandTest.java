package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** chat: the model's template + greedy decoding reproduce the golden answer; interactive mode reads stdin. */
class ChatCommandTest {

    @Test
    void oneShotGreedyAnswerEqualsGoldenText() {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        JsonNode g = Fixtures.golden("llava-1.5-tiny");
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", dir.toString(),
                "--image", dir.resolve("golden/img_landscape_200x150.png").toString(),
                "--temperature", "0", "--max-new-tokens", "12", "What is shown in this image?");
        assertEquals(0, r.exitCode(), r.err());
        // The HF chat template renders exactly the golden prompt, so the greedy answer is the golden one.
        assertEquals(g.get("forward").get("greedy_text_skip_special").asText().strip(), r.out().strip());
    }

    @Test
    void interactiveChatTakesTurnsUntilExit() {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        String img = dir.resolve("golden/img_portrait_120x240.png").toString();
        CliRunner.Result r = CliRunner.run("/image " + img + "\nDescribe\nAnd now?\n/image /no/such.png\n/exit\n",
                "chat", "--model", dir.toString(), "--temperature", "0", "--max-new-tokens", "4");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("(image attached"), r.out());
        assertEquals(2, r.out().split("ASSISTANT: ", -1).length - 1, r.out());
        assertTrue(r.out().contains("error: image file not found"), r.out());
    }

    @Test
    void sampledChatIsReproducibleWithASeed() {
        Path dir = Fixtures.dir("llava-1.5-tiny");
        String[] args = {"chat", "--model", dir.toString(), "--temperature", "1.0", "--top-p", "0.9", "--seed", "42",
                "--max-new-tokens", "8", "Hi"};
        CliRunner.Result a = CliRunner.run(null, args), b = CliRunner.run(null, args);
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(a.out(), b.out());
    }
}
