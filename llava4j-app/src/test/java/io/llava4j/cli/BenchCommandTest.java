package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench command runs on a tiny fixture and reports every field (figures are not checked: it is not a benchmark). */
class BenchCommandTest {
    @Test
    void benchRunsAndReportsAllFields() throws Exception {
        CliRunner.Result r = CliRunner.run(null, "bench", "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--runs", "1", "--new-tokens", "4", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        for (String k : new String[] {"encode_ms", "prefill_tok_s", "decode_tok_s", "ttft_ms", "load_ms", "peak_rss_bytes", "bandwidth_gb_s", "decode_limit_tok_s"}) {
            assertTrue(o.has(k), k);
            assertTrue(o.get(k).asDouble() > 0, k + " = " + o.get(k));
        }
    }

    /** The decode bandwidth limit must count the weights as the decoder reads them: quantized ones at their block size. */
    @Test
    void decodeBytesFollowLoadTimeQuantization() {
        java.nio.file.Path dir = Fixtures.dir("llava-1.5-tiny");
        long stored = BenchCommand.decodeWeightBytes(dir, null);
        long q8 = BenchCommand.decodeWeightBytes(dir, io.llava4j.tensor.DType.Q8_0);
        long q4 = BenchCommand.decodeWeightBytes(dir, io.llava4j.tensor.DType.Q4_0);
        System.out.printf("[bench] tiny decode bytes: stored %d, Q8_0 %d, Q4_0 %d%n", stored, q8, q4);
        assertTrue(q4 < q8 && q8 < stored, stored + " " + q8 + " " + q4);
    }
}
