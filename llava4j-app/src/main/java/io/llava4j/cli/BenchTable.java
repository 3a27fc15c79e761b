package io.llava4j.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The bench result as a Markdown table (pastes into docs/PERFORMANCE.md as is). */
final class BenchTable {
    private BenchTable() {}

    static String render(JsonNode o) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("llava4j bench: %s (%s, %s %s), %d threads, %s, %d prompt positions, %d new tokens; medians of %d runs%n%n",
                o.get("shape").asText(), o.get("family").asText(), o.get("quant").asText(), o.get("format").asText(), o.get("threads").asInt(),
                o.get("media").asText(), o.get("prompt_positions").asInt(), o.get("new_tokens").asInt(), o.get("runs").asInt()));
        b.append("| figure | value |\n|---|---|\n");
        row(b, "load", String.format("%.2f s", o.get("load_ms").asDouble() / 1000));
        row(b, "encode (preprocess + tower + projector)", String.format("%.2f s", o.get("encode_ms").asDouble() / 1000));
        row(b, "prefill", String.format("%.2f tok/s (%.2f s)", o.get("prefill_tok_s").asDouble(), o.get("prefill_ms").asDouble() / 1000));
        row(b, "decode", String.format("%.2f tok/s", o.get("decode_tok_s").asDouble()));
        row(b, "time to first token", String.format("%.2f s", o.get("ttft_ms").asDouble() / 1000));
        row(b, "peak RSS", String.format("%.2f GiB", o.get("peak_rss_bytes").asDouble() / (1L << 30)));
        row(b, "read bandwidth (same process)", String.format("%.1f GB/s", o.get("bandwidth_gb_s").asDouble()));
        row(b, "weights read per decoded token", String.format("%.3f GB", o.get("decode_weight_bytes").asDouble() / 1e9));
        row(b, "decode limit (bandwidth / bytes per token)", String.format("%.2f tok/s (decode at %.0f %%)",
                o.get("decode_limit_tok_s").asDouble(), 100 * o.get("decode_fraction_of_limit").asDouble()));
        return b.toString();
    }

    private static void row(StringBuilder b, String k, String v) { b.append("| ").append(k).append(" | ").append(v).append(" |\n"); }
}
