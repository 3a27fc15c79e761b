package io.llava4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.generate.SamplingParams;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The model-free reading of an OpenAI chat request, shared by {@link OpenAiServer} and the LLaVA controller's
 * OpenAI front: each message's text with one marker per media part where the part stood ({@code <image>\n}, or the
 * caller's video marker), the media URLs in order (not fetched here), and the sampling fields as sent.
 *
 * @param model     the requested model, null when absent
 * @param maxTokens max_completion_tokens, else max_tokens, else null (the caller's default)
 */
public record OpenAiChatRequest(String model, List<Turn> messages, List<MediaRef> media, double temperature, double topP,
                                Integer maxTokens, List<String> stop, Long seed, double repetitionPenalty,
                                boolean stream, boolean includeUsage) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String IMAGE_MARKER = io.llava4j.chat.Message.IMAGE_PLACEHOLDER;

    /** One message: role (system, user, assistant) and its text with media markers. */
    public record Turn(String role, String text) {}

    public enum MediaKind { IMAGE, VIDEO }

    /** A media part's URL as sent (data:, file:// or http(s)); {@code messageIndex} is the message it belongs to. */
    public record MediaRef(MediaKind kind, String url, int messageIndex) {}

    /** Reads a request body; bad input is an {@link ApiException} (400) naming what is wrong. */
    public static OpenAiChatRequest parse(byte[] body, String videoMarker) {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("request body is not valid JSON");
        }
        if (req == null || !req.isObject()) throw ApiException.badRequest("request body must be a JSON object");
        JsonNode msgs = req.get("messages");
        if (msgs == null || !msgs.isArray() || msgs.isEmpty()) throw ApiException.badRequest("'messages' must be a non-empty array");
        List<Turn> messages = new ArrayList<>();
        List<MediaRef> media = new ArrayList<>();
        for (JsonNode msg : msgs) {
            String role = msg.path("role").asText("");
            if (!List.of("system", "user", "assistant").contains(role)) throw ApiException.badRequest("message role '" + role + "' is not supported (system, user, assistant)");
            JsonNode content = msg.get("content");
            StringBuilder text = new StringBuilder();
            if (content == null || content.isNull()) {
                // empty
            } else if (content.isTextual()) {
                text.append(content.asText());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    String type = part.path("type").asText("");
                    switch (type) {
                        case "text" -> text.append(part.path("text").asText());
                        case "image_url" -> {
                            media.add(new MediaRef(MediaKind.IMAGE, url(part, "image_url"), messages.size()));
                            text.append(IMAGE_MARKER).append('\n');
                        }
                        case "video_url" -> {
                            media.add(new MediaRef(MediaKind.VIDEO, url(part, "video_url"), messages.size()));
                            text.append(videoMarker).append('\n');
                        }
                        default -> throw ApiException.badRequest("content part type '" + type + "' is not supported (text, image_url, video_url)");
                    }
                }
            } else {
                throw ApiException.badRequest("message content must be a string or an array of parts");
            }
            messages.add(new Turn(role, text.toString()));
        }
        Integer maxTokens = req.has("max_completion_tokens") ? Integer.valueOf(req.get("max_completion_tokens").asInt())
                : req.has("max_tokens") ? Integer.valueOf(req.get("max_tokens").asInt()) : null;
        List<String> stops = new ArrayList<>();
        JsonNode stop = req.get("stop");
        if (stop != null && stop.isTextual()) stops.add(stop.asText());
        else if (stop != null && stop.isArray()) stop.forEach(s -> stops.add(s.asText()));
        stops.removeIf(String::isEmpty);
        return new OpenAiChatRequest(req.path("model").asText(null), messages, media, req.path("temperature").asDouble(1.0),
                req.path("top_p").asDouble(1.0), maxTokens, stops, req.hasNonNull("seed") ? req.get("seed").asLong() : null,
                req.path("repetition_penalty").asDouble(1.0), req.path("stream").asBoolean(false),
                req.path("stream_options").path("include_usage").asBoolean(false));
    }

    private static String url(JsonNode part, String field) {
        return part.path(field).isTextual() ? part.get(field).asText() : part.path(field).path("url").asText("");
    }

    /** The number of output tokens asked for, checked against the server's limit. */
    public int maxTokens(int defaultMax, int limit) {
        int n = maxTokens != null ? maxTokens : Math.min(defaultMax, limit);
        if (n < 1 || n > limit) throw ApiException.badRequest("max_tokens must be in [1, " + limit + "], got " + n);
        return n;
    }

    /** Sampling as HF generate would do it (top_k 50 when sampling); {@code extraStops} (the template's) are appended. */
    public SamplingParams sampling(int maxNewTokens, List<String> extraStops) {
        List<String> stops = new ArrayList<>(stop);
        for (String s : extraStops) if (!stops.contains(s)) stops.add(s);
        try {
            return new SamplingParams(temperature, topP, temperature == 0 ? 0 : SamplingParams.DEFAULT_TOP_K, repetitionPenalty,
                    maxNewTokens, seed, stops);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
