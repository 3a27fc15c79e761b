package io.llava4j.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a LLaVA training JSON ({@code docs/Finetune_Custom_Data.md} upstream): a list of
 * {@code {"id", "image" | "video" (string or list, optional), "conversations": [{"from": "human"|"gpt", "value"}]}}.
 * Samples without media are text-only. Problems are reported with the entry's index and id.
 */
public final class LlavaJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LlavaJson() {}

    public static List<LlavaSample> read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read training JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    public static List<LlavaSample> parse(JsonNode root, String source) {
        if (root == null || !root.isArray()) throw new IllegalArgumentException(source + ": a LLaVA training JSON is a list of samples");
        List<LlavaSample> out = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            JsonNode s = root.get(i);
            String where = source + " entry " + i;
            if (!s.isObject()) throw new IllegalArgumentException(where + ": not an object");
            String id = s.has("id") && !s.get("id").isNull() ? s.get("id").asText() : String.valueOf(i);
            JsonNode conv = s.get("conversations");
            if (conv == null || !conv.isArray() || conv.isEmpty()) throw new IllegalArgumentException(where + " (id " + id + "): no 'conversations' list");
            List<Turn> turns = new ArrayList<>();
            for (JsonNode t : conv) {
                if (!t.has("from") || !t.has("value")) throw new IllegalArgumentException(where + " (id " + id + "): a turn needs 'from' and 'value'");
                turns.add(new Turn(t.get("from").asText(), t.get("value").asText()));
            }
            out.add(new LlavaSample(i, id, paths(s.get("image"), where), paths(s.get("video"), where), turns));
        }
        return out;
    }

    private static List<String> paths(JsonNode n, String where) {
        if (n == null || n.isNull()) return List.of();
        if (n.isTextual()) return List.of(n.asText());
        if (n.isArray()) {
            List<String> p = new ArrayList<>();
            for (JsonNode e : n) p.add(e.asText());
            return p;
        }
        throw new IllegalArgumentException(where + ": 'image'/'video' must be a path or a list of paths");
    }
}
