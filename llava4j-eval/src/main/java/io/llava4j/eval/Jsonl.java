package io.llava4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSON / JSON-lines input with errors that name the file and line. */
final class Jsonl {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Jsonl() {}

    static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new EvalException("file not found: " + file);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            try {
                out.add(MAPPER.readTree(lines.get(i)));
            } catch (IOException e) {
                throw new EvalException(file + ":" + (i + 1) + ": not valid JSON");
            }
        }
        return out;
    }

    static JsonNode json(Path file) throws IOException {
        try {
            return MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new EvalException("file not found: " + file);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new EvalException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** The only *.jsonl in answers/ (or the named one). */
    static Path answers(Path dir) throws IOException {
        Path a = dir.resolve("answers");
        if (!Files.isDirectory(a)) throw new EvalException(dir + ": no answers/ folder");
        try (var s = Files.list(a)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
            if (files.isEmpty()) throw new EvalException(a + ": no .jsonl answer file");
            return files.getFirst();
        }
    }
}
