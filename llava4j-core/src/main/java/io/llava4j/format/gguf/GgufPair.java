package io.llava4j.format.gguf;

import io.llava4j.format.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the two files of a llama.cpp / Ollama LLaVA model are: the text model (any architecture but "clip") and the
 * mmproj (general.architecture "clip"). Files are told apart by their metadata, never by their names.
 */
public record GgufPair(Path text, Path mmproj) {

    /**
     * The pair named by the user: {@code model} is a folder holding one text-model .gguf and one mmproj .gguf, or a
     * text-model .gguf file whose mmproj is {@code mmproj} when given, else the only mmproj beside it.
     */
    public static GgufPair find(Path model, Path mmproj) {
        if (mmproj != null && !Files.isRegularFile(mmproj)) throw new CheckpointException("mmproj file not found: " + mmproj);
        if (Files.isRegularFile(model)) {
            if (isClip(model)) throw new CheckpointException(model + " is an mmproj (clip) file; pass the text model as --model and this file as --mmproj");
            if (mmproj != null) return checked(model, mmproj);
            Path dir = model.toAbsolutePath().getParent();
            List<Path> clips = classify(list(dir), true);
            if (clips.size() == 1) return new GgufPair(model, clips.getFirst());
            if (clips.isEmpty()) throw new CheckpointException("no mmproj (clip) .gguf file beside " + model + "; pass it with --mmproj FILE");
            throw new CheckpointException("several mmproj files beside " + model + " (" + names(clips) + "); pass one with --mmproj FILE");
        }
        if (!Files.isDirectory(model)) throw new CheckpointException("model not found: " + model);
        List<Path> all = list(model);
        if (all.isEmpty()) throw new CheckpointException(model + ": no .gguf files");
        List<Path> texts = classify(all, false);
        if (texts.isEmpty()) throw new CheckpointException(model + ": no text-model .gguf file (only mmproj files: " + names(all) + ")");
        if (texts.size() > 1) throw new CheckpointException(model + ": several text-model .gguf files (" + names(texts) + "); pass one with --model FILE");
        if (mmproj != null) return checked(texts.getFirst(), mmproj);
        List<Path> clips = classify(all, true);
        if (clips.isEmpty()) throw new CheckpointException(model + ": no mmproj (clip) .gguf file beside " + texts.getFirst().getFileName() + "; pass it with --mmproj FILE");
        if (clips.size() > 1) throw new CheckpointException(model + ": several mmproj files (" + names(clips) + "); pass one with --mmproj FILE");
        return new GgufPair(texts.getFirst(), clips.getFirst());
    }

    /** Whether {@code model} names GGUF files (a .gguf file, or a folder of them without a config.json). */
    public static boolean isGgufModel(Path model) {
        if (Files.isRegularFile(model)) return model.getFileName().toString().endsWith(".gguf");
        return Files.isDirectory(model) && !Files.exists(model.resolve("config.json")) && !list(model).isEmpty();
    }

    private static GgufPair checked(Path text, Path mmproj) {
        if (!isClip(mmproj)) throw new CheckpointException(mmproj + " is not an mmproj file (general.architecture is not clip)");
        return new GgufPair(text, mmproj);
    }

    private static boolean isClip(Path f) {
        try (GgufFile g = GgufFile.open(f)) {
            return g.architecture().equals("clip");
        }
    }

    private static List<Path> classify(List<Path> files, boolean clip) {
        List<Path> out = new ArrayList<>();
        for (Path f : files) if (isClip(f) == clip) out.add(f);
        return out;
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list folder: " + e.getMessage());
        }
    }

    private static String names(List<Path> files) {
        return String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList());
    }
}
