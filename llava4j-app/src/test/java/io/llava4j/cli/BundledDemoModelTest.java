package io.llava4j.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The model the repository ships (models/llava4j-demo, trained by llava4j itself; docs/TRAINING-DEMO.md) answers the
 * README's questions about the bundled example image (a held-out picture: a large yellow circle on the left) as the
 * README says, greedy, through the normal chat command; and with no --model at all, as the README's first command.
 */
class BundledDemoModelTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path MODEL = ROOT.resolve("models/llava4j-demo"), EXAMPLE = ROOT.resolve("examples/yellow-circle.png");

    static String ask(String question) {
        assertTrue(Files.isRegularFile(MODEL.resolve("config.json")), "bundled model missing: " + MODEL);
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", MODEL.toString(), "--image", EXAMPLE.toString(),
                "--temperature", "0", "--max-new-tokens", "24", question);
        assertEquals(0, r.exitCode(), r.err());
        System.out.println("[demo] " + question + " -> " + r.out().strip());
        return r.out().toLowerCase();
    }

    @Test
    void chatWithoutModelUsesTheBundledModel() {
        // the ./llava4j launcher passes -Dllava4j.defaultModel=<root>/models/llava4j-demo when the folder is there
        System.setProperty("llava4j.defaultModel", MODEL.toString());
        CliRunner.Result r;
        try {
            r = CliRunner.run(null, "chat", "--image", EXAMPLE.toString(), "--temperature", "0", "What color is the circle?");
        } finally {
            System.clearProperty("llava4j.defaultModel");
        }
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().toLowerCase().contains("yellow"), r.out());
    }

    @Test
    void answersTheReadmeQuestionsAboutTheExampleImage() {
        assertTrue(ask("What color is the circle?").contains("yellow"));
        assertTrue(ask("What shape is in the image?").contains("circle"));
        assertTrue(ask("How many shapes are there?").matches("(?s).*\\b(one|1)\\b.*"));
        assertTrue(ask("Where is the circle?").contains("left"));
        assertTrue(ask("Is the circle small or large?").contains("large"));
    }
}
