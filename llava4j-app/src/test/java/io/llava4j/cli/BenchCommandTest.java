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
}
