package io.llava4j.cli;

import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** chat / probe / eval run take the launcher's default model (system property llava4j.defaultModel) when --model is left out. */
class DefaultModelTest {
    @AfterEach
    void clear() { System.clearProperty("llava4j.defaultModel"); }

    @Test
    void withoutModelOrDefaultTheErrorSaysWhatIsMissing() {
        System.clearProperty("llava4j.defaultModel");
        CliRunner.Result r = CliRunner.run(null, "chat", "--max-new-tokens", "2", "Hello");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--model DIR is required"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void theDefaultModelIsUsedWhenModelIsLeftOut() {
        String image = Fixtures.dir("llava-1.5-tiny").resolve("golden/img_landscape_200x150.png").toString();
        System.setProperty("llava4j.defaultModel", Fixtures.dir("llava-1.5-tiny").toString());
        CliRunner.Result implicit = CliRunner.run(null, "chat", "--temperature", "0", "--max-new-tokens", "4", "--image", image, "What is shown?");
        assertEquals(0, implicit.exitCode(), implicit.err());
        clear();
        CliRunner.Result explicit = CliRunner.run(null, "chat", "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--temperature", "0",
                "--max-new-tokens", "4", "--image", image, "What is shown?");
        assertEquals(0, explicit.exitCode(), explicit.err());
        assertEquals(explicit.out(), implicit.out());
        assertFalse(implicit.out().isBlank());
    }
}
