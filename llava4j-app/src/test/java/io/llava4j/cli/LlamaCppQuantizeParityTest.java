package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.format.gguf.GgufFile;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code llava4j quantize} writes the bytes llama.cpp's {@code llama-quantize} writes. The resource files hold, per
 * tensor of the bundled demo model's text GGUF, the type and SHA-256 of the data {@code llama-quantize} (llama.cpp
 * c392e509, built outside this repository) wrote from the F16 GGUF that {@code llava4j quantize --type f16} makes of
 * models/llava4j-demo (how they were made: the README beside them). The demo model has 256- and 512-wide rows, so its
 * K-quant tensors are real super-blocks, not fallbacks.
 */
class LlamaCppQuantizeParityTest {
    static final Path MODEL = Path.of("..").toAbsolutePath().normalize().resolve("models/llava4j-demo");
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_k_m", "q5_k_m", "q6_k"})
    void tensorsEqualLlamaQuantizes(String type) throws Exception {
        assertTrue(Files.isRegularFile(MODEL.resolve("config.json")), "bundled model missing: " + MODEL);
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/llamacpp-quantize/llava4j-demo-" + type + ".json")) {
            assertNotNull(in, "reference hashes for " + type);
            ref = new ObjectMapper().readTree(in);
        }
        CliRunner.Result q = CliRunner.run(null, "quantize", "--model", MODEL.toString(), "--out", tmp.toString(), "--type", type);
        assertEquals(0, q.exitCode(), q.err());
        Path text = tmp.resolve("llava4j-demo-" + type + ".gguf");
        Map<String, String> ours = new TreeMap<>();
        try (GgufFile g = GgufFile.open(text)) {
            for (String n : g.names()) {
                Tensor t = g.get(n);
                byte[] b = t.data().toArray(ValueLayout.JAVA_BYTE);
                ours.put(n, t.dtype().name() + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
            }
        }
        int same = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = ref.fields(); it.hasNext(); ) {
            var e = it.next();
            assertEquals(e.getValue().asText(), ours.get(e.getKey()), type + " " + e.getKey());
            same++;
        }
        assertEquals(ref.size(), ours.size(), "same tensor set");
        System.out.printf("[parity] %s: %d of %d tensors byte-identical to llama-quantize%n", type, same, ours.size());
    }
}
