package io.llava4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `llava4j controller` and `llava4j worker` are wired into the CLI and refuse bad options before binding anything. */
class LlavaProtocolCommandsTest {
    @Test
    void helpListsTheOriginalsOptionNames() {
        CliRunner.Result w = CliRunner.run(null, "worker", "--help");
        assertEquals(0, w.exitCode(), w.err());
        assertTrue(w.out().contains("--controller-address") && w.out().contains("--model-path") && w.out().contains("--worker-address"), w.out());
        CliRunner.Result c = CliRunner.run(null, "controller", "--help");
        assertEquals(0, c.exitCode(), c.err());
        assertTrue(c.out().contains("--dispatch-method") && c.out().contains("21001"), c.out());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        CliRunner.Result noModel = CliRunner.run(null, "worker", "--controller", "http://127.0.0.1:1");
        assertEquals(2, noModel.exitCode());
        assertTrue(noModel.err().contains("--model"), noModel.err());
        CliRunner.Result dispatch = CliRunner.run(null, "controller", "--port", "0", "--dispatch-method", "random");
        assertEquals(2, dispatch.exitCode());
        assertTrue(dispatch.err().contains("Invalid dispatch method 'random'"), dispatch.err());
        CliRunner.Result expiry = CliRunner.run(null, "controller", "--port", "0", "--heart-beat-expiration", "0");
        assertEquals(2, expiry.exitCode());
        assertTrue(expiry.err().contains("--heart-beat-expiration must be > 0"), expiry.err());
    }
}
