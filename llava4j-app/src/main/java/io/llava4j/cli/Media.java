package io.llava4j.cli;

import io.llava4j.media.FrameSampler;
import io.llava4j.media.RgbImage;
import io.llava4j.media.VideoDecoder;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Media arguments shared by the commands. */
final class Media {
    private Media() {}

    /**
     * Decodes --video arguments (a video file, or a folder of frame images in name order) with the given sampler.
     * Refuses them when the model takes no video.
     */
    static List<List<RgbImage>> videos(List<Path> videos, VisionLanguageModel m, FrameSampler sampler) {
        if (videos.isEmpty()) return List.of();
        if (!m.capabilities().videos()) {
            throw new IllegalArgumentException("this model (" + m.name() + ", " + m.family() + ") does not take videos");
        }
        List<List<RgbImage>> out = new ArrayList<>();
        for (Path v : videos) out.add(VideoDecoder.decode(v, sampler));
        return out;
    }

    /** The family's sampler, or --frames N (uniform) / --fps R (R frames per second, at most N or 64 frames). */
    static FrameSampler sampler(VisionLanguageModel m, Integer frames, Double fps) {
        if (frames != null && frames < 1) throw new IllegalArgumentException("--frames must be >= 1, got " + frames);
        if (fps != null && !(fps > 0)) throw new IllegalArgumentException("--fps must be > 0, got " + fps);
        if (fps != null) return FrameSampler.perSecond(fps, frames != null ? frames : 64);
        if (frames != null) return FrameSampler.uniform(frames);
        return m.frameSampler();
    }
}
