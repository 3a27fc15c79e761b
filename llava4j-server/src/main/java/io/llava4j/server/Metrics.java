package io.llava4j.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/** Counters exported at /metrics in Prometheus text format. */
final class Metrics {
    final AtomicLong requests = new AtomicLong(), errors = new AtomicLong(), rejected = new AtomicLong(),
            promptTokens = new AtomicLong(), completionTokens = new AtomicLong(), media = new AtomicLong();
    final DoubleAdder ttftSeconds = new DoubleAdder(), decodeSeconds = new DoubleAdder(), mediaSeconds = new DoubleAdder();

    String render(io.llava4j.model.VisionLanguageModel model, io.llava4j.server.batch.BatchScheduler engine) {
        StringBuilder sb = new StringBuilder();
        counter(sb, "llava4j_requests_total", "Chat completion requests received.", requests.get());
        counter(sb, "llava4j_request_errors_total", "Requests answered with an error.", errors.get());
        counter(sb, "llava4j_requests_rejected_total", "Requests refused because the queue was full.", rejected.get());
        if (engine != null) {
            io.llava4j.server.batch.BatchScheduler.Stats st = engine.stats();
            gauge(sb, "llava4j_queue_depth", "Requests waiting for a batch slot.", engine.waiting());
            gauge(sb, "llava4j_requests_running", "Requests being decoded (in the batch).", engine.running());
            gauge(sb, "llava4j_batch_size", "Sequences in the latest decode step.", st.lastBatchSize);
            gauge(sb, "llava4j_batch_size_peak", "Most sequences decoded in one step so far.", st.peakBatchSize);
            gauge(sb, "llava4j_batch_size_max", "Configured limit of sequences per decode step (--max-batch).", engine.maxBatch());
            counter(sb, "llava4j_decode_steps_total", "Batched decode steps run.", st.decodeSteps.get());
            counter(sb, "llava4j_decode_sequence_steps_total", "Sequence positions decoded; mean batch size = this / decode steps.", st.sequenceSteps.get());
            counter(sb, "llava4j_requests_cancelled_total", "Requests dropped because their client went away.", st.cancelled.get());
            counter(sb, "llava4j_prefill_seconds_total", "Time spent prefilling prompts on the engine thread.", st.prefillNanos.get() / 1e9);
            counter(sb, "llava4j_decode_step_seconds_total", "Time spent in batched decode steps.", st.decodeNanos.get() / 1e9);
        }
        counter(sb, "llava4j_prompt_tokens_total", "Prompt positions processed (media rows included).", promptTokens.get());
        counter(sb, "llava4j_completion_tokens_total", "Tokens generated.", completionTokens.get());
        counter(sb, "llava4j_media_items_total", "Images and videos decoded.", media.get());
        counter(sb, "llava4j_time_to_first_token_seconds_total", "Sum of times to first token (prefill included).", ttftSeconds.sum());
        counter(sb, "llava4j_decode_seconds_total", "Sum of decode times; decode tokens/s = completion tokens / this.", decodeSeconds.sum());
        counter(sb, "llava4j_media_seconds_total", "Sum of media decoding and encoding times.", mediaSeconds.sum());
        if (model != null) {
            io.llava4j.mm.FeatureCache c = model.featureCache();
            counter(sb, "llava4j_feature_cache_hits_total", "Images/videos whose features came from the cache.", c.hits());
            counter(sb, "llava4j_feature_cache_misses_total", "Images/videos encoded by the vision tower.", c.misses());
            gauge(sb, "llava4j_feature_cache_bytes", "Memory held by cached features.", c.bytes());
        }
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v)).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(v).append('\n');
    }
}
