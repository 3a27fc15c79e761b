package io.llava4j.cli;

import io.llava4j.media.RgbImage;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;
import java.util.List;

/** Media arguments shared by the commands. */
final class Media {
    private Media() {}

    /** Decodes --video arguments; refuses them when the model takes no video. */
    static List<List<RgbImage>> videos(List<Path> videos, VisionLanguageModel m) {
        if (videos.isEmpty()) return List.of();
        if (!m.capabilities().videos()) {
            throw new IllegalArgumentException("this model (" + m.name() + ", " + m.family() + ") does not take videos");
        }
        throw new UnsupportedOperationException("video input is not implemented yet");
    }
}
