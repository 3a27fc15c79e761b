package io.llava4j.cli;

import io.llava4j.media.ImageDecoder;
import io.llava4j.media.MediaException;
import io.llava4j.media.RgbImage;
import io.llava4j.model.VisionLanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Media arguments shared by the commands. */
final class Media {
    private static final Set<String> IMAGE_EXT = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff");

    private Media() {}

    /**
     * Decodes --video arguments, all frames in order: a folder of frame images (name order) or a video file.
     * Refuses them when the model takes no video.
     */
    static List<List<RgbImage>> videos(List<Path> videos, VisionLanguageModel m) {
        if (videos.isEmpty()) return List.of();
        if (!m.capabilities().videos()) {
            throw new IllegalArgumentException("this model (" + m.name() + ", " + m.family() + ") does not take videos");
        }
        List<List<RgbImage>> out = new ArrayList<>();
        for (Path v : videos) out.add(frames(v));
        return out;
    }

    static List<RgbImage> frames(Path v) {
        if (Files.isDirectory(v)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(v)) {
                files = s.filter(p -> {
                    String n = p.getFileName().toString().toLowerCase();
                    int dot = n.lastIndexOf('.');
                    return Files.isRegularFile(p) && dot > 0 && IMAGE_EXT.contains(n.substring(dot + 1));
                }).sorted().toList();
            } catch (IOException e) {
                throw new MediaException(v + ": cannot list frames: " + e.getMessage());
            }
            if (files.isEmpty()) throw new MediaException(v + ": the folder has no frame images (png, jpg, ...)");
            return files.stream().map(ImageDecoder::decode).toList();
        }
        if (!Files.exists(v)) throw new MediaException("video not found: " + v);
        throw new MediaException(v + ": video files are not supported yet; pass a folder of frame images");
    }
}
