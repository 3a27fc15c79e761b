package io.llava4j.server.llava;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.llava4j.engine.Generator;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.MediaException;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

import static io.llava4j.server.llava.LlavaProtocol.JSON;

/**
 * One {@code /worker_generate_stream} request, read as model_worker.py reads it: {@code prompt} (already templated,
 * one {@code <image>} per image), {@code images} (base64, count must equal the markers), {@code temperature} (1.0;
 * at most 0.001 = greedy), {@code top_p} (1.0), {@code max_new_tokens} (256, capped, then cut to the context),
 * {@code stop} (a string; a list is accepted too). llava4j extensions: {@code top_k} (50), {@code repetition_penalty}
 * (1.0), {@code seed}. Answers NUL-separated frames whose text is the prompt followed by the answer so far; a last
 * frame adds {@code finish_reason} and {@code usage}. Input errors are one frame with error_code 1 (HTTP 400/413),
 * generation failures a frame with error_code 1 after what was streamed.
 */
final class StreamGeneration {
    private static final System.Logger LOG = System.getLogger("llava4j.worker");
    static final String IMAGE_TOKEN = "<image>";

    private final VisionLanguageModel model;
    private final GenerationBackend backend;
    private final WorkerConfig cfg;
    private final Consumer<Generator.Result> onDone;

    StreamGeneration(VisionLanguageModel model, GenerationBackend backend, WorkerConfig cfg, Consumer<Generator.Result> onDone) {
        this.model = model;
        this.backend = backend;
        this.cfg = cfg;
        this.onDone = onDone;
    }

    /** The engine input and sampling for a request; {@code input} null when the prompt leaves no room to generate. */
    private record Job(String prompt, MultimodalPrompt input, SamplingParams params) {}

    /** Thrown from the text callback when the client has gone: ends the generation. */
    private static final class ClientGone extends RuntimeException {
        ClientGone(IOException cause) { super(cause); }
    }

    void serve(HttpExchange ex, ObjectNode params) throws IOException {
        Job job;
        try {
            job = prepare(params);
        } catch (HttpJson.BadRequest e) {
            answerError(ex, e.status, e.getMessage());
            return;
        }
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        if (job.input() == null) {
            LlavaProtocol.writeFrame(out, LlavaProtocol.textFrame(job.prompt() + LlavaProtocol.EXCEEDS_CONTEXT_MSG, LlavaProtocol.OK));
            return;
        }
        StringBuilder text = new StringBuilder(job.prompt());
        Generator.Result r;
        try {
            r = backend.generate(model, job.input(), job.params(), delta -> {
                text.append(delta);
                try {
                    LlavaProtocol.writeFrame(out, LlavaProtocol.textFrame(text.toString(), LlavaProtocol.OK));
                } catch (IOException e) {
                    throw new ClientGone(e);
                }
            });
        } catch (ClientGone e) {
            LOG.log(Level.INFO, "client went away; generation cancelled");
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "generation failed", e);
            LlavaProtocol.writeFrame(out, LlavaProtocol.textFrame("generation failed: " + e.getMessage(), LlavaProtocol.WORKER_ERROR));
            return;
        }
        onDone.accept(r);
        ObjectNode last = LlavaProtocol.textFrame(job.prompt() + r.text(), LlavaProtocol.OK)
                .put("finish_reason", ModelWorker.finishReason(r, job.params().maxNewTokens()));
        last.putObject("usage").put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.tokenIds().length)
                .put("total_tokens", r.promptTokens() + r.tokenIds().length);
        LlavaProtocol.writeFrame(out, last);
    }

    private Job prepare(ObjectNode params) {
        String prompt = HttpJson.requiredText(params, "prompt");
        List<RgbImage> images = images(prompt, params.get("images"));
        double temperature = number(params, "temperature", 1.0);
        double topP = number(params, "top_p", 1.0);
        int maxNew = Math.min((int) number(params, "max_new_tokens", 256), cfg.maxNewTokensCap());
        List<String> stops = stops(params.get("stop"));
        Long seed = params.hasNonNull("seed") ? params.get("seed").asLong() : null;
        MultimodalPrompt input;
        try {
            input = model.prepare(prompt, images, List.of());
        } catch (IllegalArgumentException e) {
            throw new HttpJson.BadRequest(400, e.getMessage());
        }
        maxNew = Math.min(maxNew, model.languageModel().config().maxPositions() - input.length());
        if (maxNew < 1) return new Job(prompt, null, null);
        boolean sample = temperature > 0.001; // model_worker.py: do_sample = temperature > 0.001
        try {
            SamplingParams sp = new SamplingParams(sample ? temperature : 0, topP, sample ? (int) number(params, "top_k", SamplingParams.DEFAULT_TOP_K) : 0,
                    number(params, "repetition_penalty", 1.0), maxNew, seed, stops);
            return new Job(prompt, input, sp);
        } catch (IllegalArgumentException e) {
            throw new HttpJson.BadRequest(400, e.getMessage());
        }
    }

    /** Decodes the base64 images; their number must equal the prompt's {@code <image>} markers (when any are sent). */
    private List<RgbImage> images(String prompt, JsonNode node) {
        List<RgbImage> images = new ArrayList<>();
        if (node == null || node.isNull()) return images;
        if (!node.isArray()) throw new HttpJson.BadRequest(400, "'images' must be a list of base64 strings");
        if (node.isEmpty()) return images;
        if (!model.capabilities().images()) throw new HttpJson.BadRequest(400, "this model does not take images");
        int markers = count(prompt, IMAGE_TOKEN);
        if (markers != node.size()) {
            throw new HttpJson.BadRequest(400, "Number of images does not match number of <image> tokens in prompt (" + node.size() + " images, " + markers + " tokens)");
        }
        if (node.size() > cfg.maxImages()) throw new HttpJson.BadRequest(400, "too many images: " + node.size() + " (limit " + cfg.maxImages() + ")");
        for (int i = 0; i < node.size(); i++) {
            JsonNode n = node.get(i);
            if (!n.isTextual()) throw new HttpJson.BadRequest(400, "images[" + i + "] must be a base64 string");
            String b64 = n.asText();
            if (b64.startsWith("data:") && b64.indexOf(',') > 0) b64 = b64.substring(b64.indexOf(',') + 1);
            byte[] bytes;
            try {
                bytes = Base64.getMimeDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new HttpJson.BadRequest(400, "images[" + i + "] is not valid base64");
            }
            try {
                images.add(ImageDecoder.decode(bytes, cfg.maxImagePixels()));
            } catch (MediaException e) {
                String m = e.getMessage();
                throw new HttpJson.BadRequest(m.contains("more than the limit") ? 413 : 400, "images[" + i + "] is not a readable image: " + m);
            }
        }
        return images;
    }

    private static int count(String s, String token) {
        int n = 0;
        for (int i = s.indexOf(token); i >= 0; i = s.indexOf(token, i + token.length())) n++;
        return n;
    }

    /** A number, or a string holding one (Python's float()/int() accept both); absent or null = the default. */
    private static double number(ObjectNode params, String field, double def) {
        JsonNode v = params.get(field);
        if (v == null || v.isNull()) return def;
        if (v.isNumber()) return v.asDouble();
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().strip());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new HttpJson.BadRequest(400, "'" + field + "' must be a number, got " + v);
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) return out;
        if (stop.isTextual()) out.add(stop.asText());
        else if (stop.isArray()) stop.forEach(s -> out.add(s.asText()));
        else throw new HttpJson.BadRequest(400, "'stop' must be a string or a list of strings");
        out.removeIf(String::isEmpty);
        return out;
    }

    /** An input error as the original reports errors: one frame with error_code 1 (here with an HTTP status too). */
    static void answerError(HttpExchange ex, int status, String message) throws IOException {
        byte[] f = LlavaProtocol.frame(LlavaProtocol.textFrame(message, LlavaProtocol.WORKER_ERROR));
        ex.sendResponseHeaders(status, f.length);
        ex.getResponseBody().write(f);
        ex.close();
    }
}
