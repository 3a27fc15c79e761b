package io.llava4j.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat turn: a role ({@code system}, {@code user}, {@code assistant}) and its content as an ordered list of
 * parts (text, image, video).
 *
 * <p>Two views of the same content:
 * <ul>
 *   <li>{@link #text()}: a flat string with {@code <image>} / {@code <video>} placeholders where the media parts
 *       are. This is what the original-repo conversation templates ({@link ConversationTemplate}) work on.
 *       {@link #of(String, String)} parses such a string back into parts, so {@code text()} round-trips exactly.</li>
 *   <li>{@link #toHf()}: Hugging Face's processor message structure
 *       {@code {role, content: [{type: "image"}, {type: "text", text: ...}]}}, what HF {@code chat_template}s
 *       ({@link JinjaChatTemplate}) expect. Whitespace in a text part that touches a media part is stripped on that
 *       side (so {@code "<image>\nWhat?"} becomes {@code [image, text "What?"]}: the HF templates add their own
 *       newline after the image).</li>
 * </ul>
 */
public record Message(String role, List<Part> content) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    /** The placeholder for one image in flat text. */
    public static final String IMAGE_PLACEHOLDER = "<image>";
    /** The placeholder for one video in flat text. */
    public static final String VIDEO_PLACEHOLDER = "<video>";

    /** A piece of message content. */
    public sealed interface Part permits Text, Image, Video {}

    public record Text(String text) implements Part {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    public record Image() implements Part {}

    public record Video() implements Part {}

    public Message {
        Objects.requireNonNull(role, "role");
        if (role.isEmpty()) throw new IllegalArgumentException("role is empty");
        content = List.copyOf(content);
    }

    /** Parses {@code text}: each {@code <image>} / {@code <video>} becomes a media part, the rest text parts. */
    public static Message of(String role, String text) {
        return new Message(role, parse(text));
    }

    public static Message system(String text) {
        return of(SYSTEM, text);
    }

    public static Message user(String text) {
        return of(USER, text);
    }

    public static Message assistant(String text) {
        return of(ASSISTANT, text);
    }

    public static Message of(String role, Part... parts) {
        return new Message(role, List.of(parts));
    }

    /**
     * Reads one message in HF processor form: {@code {"role": ..., "content": "text"}} or
     * {@code {"role": ..., "content": [{"type": "image"}, {"type": "video"}, {"type": "text", "text": ...}]}}.
     */
    public static Message fromHf(JsonNode node) {
        String role = node.path("role").asText(null);
        if (role == null) throw new IllegalArgumentException("message without role: " + node);
        JsonNode c = node.get("content");
        if (c == null || c.isNull()) return new Message(role, List.of());
        if (c.isTextual()) return of(role, c.asText());
        if (!c.isArray()) throw new IllegalArgumentException("content must be a string or a list: " + node);
        List<Part> parts = new ArrayList<>();
        for (JsonNode p : c) {
            String type = p.path("type").asText("");
            switch (type) {
                case "text" -> parts.add(new Text(p.path("text").asText("")));
                case "image", "image_url" -> parts.add(new Image());
                case "video" -> parts.add(new Video());
                default -> throw new IllegalArgumentException("unknown content type '" + type + "' in " + node);
            }
        }
        return new Message(role, parts);
    }

    /** Reads a list of HF processor messages (a JSON array). */
    public static List<Message> listFromHf(Iterable<JsonNode> array) {
        List<Message> out = new ArrayList<>();
        for (JsonNode n : array) out.add(fromHf(n));
        return out;
    }

    /** Flat text with {@code <image>} / {@code <video>} placeholders. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Part p : content) {
            switch (p) {
                case Text t -> sb.append(t.text());
                case Image i -> sb.append(IMAGE_PLACEHOLDER);
                case Video v -> sb.append(VIDEO_PLACEHOLDER);
            }
        }
        return sb.toString();
    }

    public long imageCount() {
        return content.stream().filter(p -> p instanceof Image).count();
    }

    public long videoCount() {
        return content.stream().filter(p -> p instanceof Video).count();
    }

    /**
     * HF processor form as plain Java maps and lists (what a Jinja template sees as {@code message}). Text parts are
     * stripped on a side that touches a media part; text parts left empty are dropped.
     */
    public Map<String, Object> toHf() {
        List<Object> parts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            Part p = content.get(i);
            switch (p) {
                case Image im -> parts.add(mapOf("type", "image"));
                case Video v -> parts.add(mapOf("type", "video"));
                case Text t -> {
                    String s = t.text();
                    if (i > 0 && !(content.get(i - 1) instanceof Text)) s = PyStr.lstrip(s, null);
                    if (i + 1 < content.size() && !(content.get(i + 1) instanceof Text)) s = PyStr.rstrip(s, null);
                    if (!s.isEmpty() || content.size() == 1) {
                        Map<String, Object> m = mapOf("type", "text");
                        m.put("text", s);
                        parts.add(m);
                    }
                }
            }
        }
        Map<String, Object> m = mapOf("role", role);
        m.put("content", parts);
        return m;
    }

    /** HF form with {@code content} as one string ({@link #text()}), for text-only chat templates. */
    public Map<String, Object> toHfStringContent() {
        Map<String, Object> m = mapOf("role", role);
        m.put("content", text());
        return m;
    }

    private static Map<String, Object> mapOf(String k, Object v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k, v);
        return m;
    }

    static List<Part> parse(String text) {
        Objects.requireNonNull(text, "text");
        List<Part> parts = new ArrayList<>();
        int pos = 0;
        while (pos <= text.length()) {
            int img = text.indexOf(IMAGE_PLACEHOLDER, pos);
            int vid = text.indexOf(VIDEO_PLACEHOLDER, pos);
            int next = img < 0 ? vid : (vid < 0 ? img : Math.min(img, vid));
            if (next < 0) {
                if (pos < text.length()) parts.add(new Text(text.substring(pos)));
                break;
            }
            if (next > pos) parts.add(new Text(text.substring(pos, next)));
            if (next == img) {
                parts.add(new Image());
                pos = next + IMAGE_PLACEHOLDER.length();
            } else {
                parts.add(new Video());
                pos = next + VIDEO_PLACEHOLDER.length();
            }
        }
        if (parts.isEmpty()) parts.add(new Text(""));
        return parts;
    }
}
