package io.llava4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command's refusals (real shapes are gigabytes: writing them is left to bench runs, tiny ones are tested in core). */
class MakeRandomModelCommandTest {
    @Test
    void refusesWhatItCannotWriteBeforeWritingAnything(@TempDir Path cache) throws Exception {
        CliRunner.Result gguf = CliRunner.run(null, "make-random-model", "--shape", "llava-onevision-0.5b", "--format", "gguf", "--quant", "q4_0",
                "--cache-dir", cache.toString());
        assertEquals(2, gguf.exitCode());
        assertTrue(gguf.err().contains("cannot be written as GGUF"), gguf.err());
        CliRunner.Result quantOut = CliRunner.run(null, "make-random-model", "--shape", "llava-1.5-7b", "--quant", "q8_0", "--out", cache.resolve("x").toString());
        assertEquals(2, quantOut.exitCode());
        assertTrue(quantOut.err().contains("--out writes F16 safetensors"), quantOut.err());
        CliRunner.Result shape = CliRunner.run(null, "make-random-model", "--shape", "llava-3-70b", "--cache-dir", cache.toString());
        assertEquals(2, shape.exitCode());
        assertTrue(shape.err().contains("llava-onevision-0.5b"), "lists the known shapes: " + shape.err());
        try (var files = Files.list(cache)) {
            assertFalse(files.findAny().isPresent(), "nothing written");
        }
    }
}
