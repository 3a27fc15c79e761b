package io.llava4j.media;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Video files (mp4/H.264/HEVC/AV1, avi, mkv, webm, gif, ... anything FFmpeg decodes, through JavaCV) or a folder of
 * frame images (name order) to RGB frames chosen by a {@link FrameSampler}. Frames are counted by decoding
 * (container frame counts are often estimates), then the chosen ones are decoded again: exact and bounded in memory.
 */
public final class VideoDecoder {

    /** Limits that protect against huge inputs. */
    public record Limits(double maxSeconds, int maxFrames, long maxPixelsPerFrame) {
        public static Limits defaults() { return new Limits(3600, 100_000, 4096L * 4096); }
    }

    private VideoDecoder() {}

    static {
        // FFmpeg prints the container summary and warnings to stderr at INFO; keep the CLI's output clean.
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
    }

    public static List<RgbImage> decode(Path video, FrameSampler sampler) { return decode(video, sampler, Limits.defaults()); }

    public static List<RgbImage> decode(Path video, FrameSampler sampler, Limits limits) {
        if (Files.isDirectory(video)) return frameFolder(video, sampler, limits);
        if (!Files.isRegularFile(video)) throw new MediaException("video not found: " + video);
        try {
            if (Files.size(video) == 0) throw new MediaException(video + ": empty file");
        } catch (IOException e) {
            throw new MediaException(video + ": cannot read: " + e.getMessage());
        }
        double fps;
        int count = 0;
        try (FFmpegFrameGrabber g = open(video)) {
            fps = g.getFrameRate() > 0 ? g.getFrameRate() : 25;
            long pixels = (long) g.getImageWidth() * g.getImageHeight();
            if (pixels > limits.maxPixelsPerFrame()) throw new MediaException(video + ": frames are " + g.getImageWidth() + "x" + g.getImageHeight() + ", more than the limit of " + limits.maxPixelsPerFrame() + " pixels");
            double seconds = g.getLengthInTime() / 1e6;
            if (seconds > limits.maxSeconds()) throw new MediaException(video + ": " + Math.round(seconds) + " s long, more than the limit of " + Math.round(limits.maxSeconds()) + " s");
            while (g.grabImage() != null) {
                if (++count > limits.maxFrames()) throw new MediaException(video + ": more than " + limits.maxFrames() + " frames");
            }
        } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
            throw new MediaException(video + ": cannot decode video (" + firstLine(e) + ")");
        }
        if (count == 0) throw new MediaException(video + ": no video frames (not a video, or an unsupported codec)");
        int[] want = sampler.indices(count, fps);
        List<RgbImage> out = new ArrayList<>(want.length);
        try (FFmpegFrameGrabber g = open(video); Java2DFrameConverter conv = new Java2DFrameConverter()) {
            int idx = 0, w = 0;
            RgbImage last = null;
            Frame f;
            while (w < want.length && (f = g.grabImage()) != null) {
                if (idx == want[w]) {
                    last = ImageDecoder.toRgb(conv.getBufferedImage(f));
                    while (w < want.length && want[w] == idx) { out.add(last); w++; }
                }
                idx++;
            }
            while (w++ < want.length && last != null) out.add(last); // should not happen: indices < count
        } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
            throw new MediaException(video + ": cannot decode video (" + firstLine(e) + ")");
        }
        return out;
    }

    /** Number of frames and frame rate, by decoding. */
    public static int countFrames(Path video) {
        if (Files.isDirectory(video)) return framesIn(video).size();
        int n = 0;
        try (FFmpegFrameGrabber g = open(video)) {
            while (g.grabImage() != null) n++;
        } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
            throw new MediaException(video + ": cannot decode video (" + firstLine(e) + ")");
        }
        return n;
    }

    private static FFmpegFrameGrabber open(Path video) throws org.bytedeco.javacv.FrameGrabber.Exception {
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toFile());
        try {
            g.start();
        } catch (org.bytedeco.javacv.FrameGrabber.Exception e) {
            try { g.close(); } catch (Exception ignored) { }
            throw e;
        }
        return g;
    }

    private static List<RgbImage> frameFolder(Path dir, FrameSampler sampler, Limits limits) {
        List<Path> files = framesIn(dir);
        if (files.isEmpty()) throw new MediaException(dir + ": the folder has no frame images (png, jpg, ...)");
        if (files.size() > limits.maxFrames()) throw new MediaException(dir + ": more than " + limits.maxFrames() + " frames");
        int[] want = sampler.indices(files.size(), 1.0);
        List<RgbImage> out = new ArrayList<>();
        for (int i : want) out.add(ImageDecoder.decode(files.get(i), limits.maxPixelsPerFrame()));
        return out;
    }

    private static final List<String> IMAGE_EXT = Arrays.asList("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff");

    static List<Path> framesIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase();
                int dot = n.lastIndexOf('.');
                return Files.isRegularFile(p) && dot > 0 && IMAGE_EXT.contains(n.substring(dot + 1));
            }).sorted().toList();
        } catch (IOException e) {
            throw new MediaException(dir + ": cannot list frames: " + e.getMessage());
        }
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
