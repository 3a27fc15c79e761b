package io.llava4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads a batch's requests on the driver: a JSONL in LLaVA's question format (question_id, image or video, text),
 * or a folder of images and videos with one prompt for all. Only names and text are read here; media paths are
 * resolved to absolute paths that executors open themselves.
 */
public final class BatchInput {
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff");
    static final Set<String> VIDEO_EXTENSIONS = Set.of("mp4", "mkv", "avi", "webm", "mov", "m4v");

    private BatchInput() {}

    /**
     * @param input     a .jsonl question file, or a folder of media
     * @param mediaRoot where relative image/video paths point (null: the question file's folder)
     * @param prompt    the prompt for every item of a folder; for a question file, the text of rows that have none
     */
    public static List<BatchItem> read(Path input, Path mediaRoot, String prompt) {
        if (Files.isDirectory(input)) return folder(input, prompt);
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException("input not found: " + input);
        Path root = (mediaRoot != null ? mediaRoot : input.toAbsolutePath().getParent()).toAbsolutePath().normalize();
        List<String> lines;
        try {
            lines = Files.readAllLines(input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input + ": " + e.getMessage(), e);
        }
        List<BatchItem> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = input + ":" + (i + 1) + ": ";
            JsonNode row;
            try {
                row = Json.MAPPER.readTree(lines.get(i));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + "not valid JSON");
            }
            if (!row.hasNonNull("question_id")) throw new IllegalArgumentException(where + "no question_id");
            String text = row.hasNonNull("text") ? row.get("text").asText() : prompt;
            if (text == null) throw new IllegalArgumentException(where + "no text (and no --prompt)");
            if (row.hasNonNull("image") && row.hasNonNull("video")) throw new IllegalArgumentException(where + "both image and video");
            String qid = row.get("question_id").asText();
            if (!ids.add(qid)) throw new IllegalArgumentException(where + "question_id " + qid + " appears twice");
            items.add(new BatchItem(items.size(), row.get("question_id").toString(), qid, text,
                    media(root, row.get("image")), media(root, row.get("video"))));
        }
        return items;
    }

    private static String media(Path root, JsonNode name) {
        return name == null || name.isNull() ? null : root.resolve(name.asText()).normalize().toString();
    }

    /** Every image and video under the folder in name order; the question_id is the path relative to the folder. */
    private static List<BatchItem> folder(Path dir, String prompt) {
        if (prompt == null) throw new IllegalArgumentException("a folder input needs --prompt (the question for every file)");
        Path root = dir.toAbsolutePath().normalize();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).filter(p -> kind(p) != null).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no images or videos in " + dir);
        List<BatchItem> items = new ArrayList<>();
        for (Path f : files) {
            String id = root.relativize(f).toString();
            boolean video = kind(f).equals("video");
            items.add(new BatchItem(items.size(), Json.MAPPER.getNodeFactory().textNode(id).toString(), id, prompt,
                    video ? null : f.toString(), video ? f.toString() : null));
        }
        return items;
    }

    private static String kind(Path p) {
        String n = p.getFileName().toString();
        String ext = n.substring(n.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.contains(ext) ? "image" : VIDEO_EXTENSIONS.contains(ext) ? "video" : null;
    }
}
