package io.llava4j.media;

import io.llava4j.testing.Fixtures;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Video files through FFmpeg, frame folders, the seeds' frame samplers, and bad input. */
class VideoDecoderTest {
    @TempDir Path tmp;

    @Test
    void fixtureMp4DecodesToItsEightFrames() {
        Path g = Fixtures.dir("video-llava-tiny").resolve("golden");
        List<RgbImage> frames = VideoDecoder.decode(g.resolve("video_8f_64x48.mp4"), FrameSampler.all());
        assertEquals(8, frames.size());
        double worst = 0;
        for (int i = 0; i < 8; i++) {
            RgbImage png = ImageDecoder.decode(g.resolve("video_frame_0" + i + ".png"));
            assertEquals(64, frames.get(i).width());
            assertEquals(48, frames.get(i).height());
            double s = 0;
            for (int j = 0; j < png.data().length; j++) s += Math.abs((png.data()[j] & 0xff) - (frames.get(i).data()[j] & 0xff));
            worst = Math.max(worst, s / png.data().length);
        }
        System.out.printf("[diff] fixture mp4 (lossy H.264) vs PNG frames: worst frame mean abs diff %.2f / 255%n", worst);
        assertTrue(worst < 12, "frames should resemble the PNGs: " + worst);
    }

    /** Writes a video whose frame i is filled with gray level 10*i. */
    Path write(String name, String format, int codec, int frames) throws Exception {
        Path f = tmp.resolve(name);
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(f.toFile(), 64, 48, 0); Java2DFrameConverter conv = new Java2DFrameConverter()) {
            r.setFormat(format);
            r.setVideoCodec(codec);
            r.setFrameRate(10);
            r.setVideoQuality(1);
            r.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
            r.start();
            for (int i = 0; i < frames; i++) {
                BufferedImage bi = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D gr = bi.createGraphics();
                gr.setColor(new Color(Math.min(255, 10 * i), Math.min(255, 10 * i), Math.min(255, 10 * i)));
                gr.fillRect(0, 0, 64, 48);
                gr.dispose();
                r.record(conv.convert(bi));
            }
        }
        return f;
    }

    @Test
    void writtenVideosReadBackWithSampling() throws Exception {
        for (Path v : List.of(write("a.mp4", "mp4", avcodec.AV_CODEC_ID_H264, 20), write("b.avi", "avi", avcodec.AV_CODEC_ID_MPEG4, 20),
                write("c.mkv", "matroska", avcodec.AV_CODEC_ID_MPEG4, 20))) {
            assertEquals(20, VideoDecoder.countFrames(v), v.toString());
            List<RgbImage> f = VideoDecoder.decode(v, FrameSampler.uniform(4));
            assertEquals(4, f.size());
            // linspace(0, 19, 4) -> 0, 6, 12, 19: gray 0, 60, 120, 190
            int[] expect = {0, 60, 120, 190};
            for (int i = 0; i < 4; i++) assertEquals(expect[i], f.get(i).get(32, 24, 1), 8, v + " frame " + i);
        }
    }

    @Test
    void samplersFollowTheSeeds() {
        assertArrayEquals(new int[] {0, 14, 28, 42, 56, 70, 84, 99}, FrameSampler.uniform(8).indices(100, 25));
        // PLLaVA: seg = 99/16; int(seg/2 + round(seg*k))
        int[] p = FrameSampler.segmentMiddles(16).indices(100, 25);
        assertEquals(3, p[0]);
        assertEquals(9, p[1]);
        assertEquals(96, p[15]);
        // Chat-UniVi: 1 fps at 25 fps over 10 s = frames 0, 25, ..., 225
        int[] c = FrameSampler.perSecond(1, 64).indices(250, 25);
        assertEquals(10, c.length);
        assertEquals(225, c[9]);
        assertEquals(64, FrameSampler.perSecond(1, 64).indices(100 * 25, 25).length);
    }

    @Test
    void folderOfFramesIsAVideo() throws Exception {
        Path g = Fixtures.dir("video-llava-tiny").resolve("golden");
        Path dir = Files.createDirectories(tmp.resolve("frames"));
        for (int i = 0; i < 8; i++) Files.copy(g.resolve("video_frame_0" + i + ".png"), dir.resolve("f" + i + ".png"));
        List<RgbImage> f = VideoDecoder.decode(dir, FrameSampler.uniform(4));
        assertEquals(4, f.size());
        assertEquals(ImageDecoder.decode(g.resolve("video_frame_07.png")), f.get(3));
    }

    @Test
    void badVideosAreRefusedClearly() throws Exception {
        Path bad = tmp.resolve("bad.mp4");
        Files.writeString(bad, "not a video at all");
        MediaException e = assertThrows(MediaException.class, () -> VideoDecoder.decode(bad, FrameSampler.all()));
        assertTrue(e.getMessage().contains("bad.mp4"), e.getMessage());
        assertThrows(MediaException.class, () -> VideoDecoder.decode(tmp.resolve("missing.mp4"), FrameSampler.all()));
        Files.createDirectories(tmp.resolve("empty"));
        assertThrows(MediaException.class, () -> VideoDecoder.decode(tmp.resolve("empty"), FrameSampler.all()));
        Path v = write("long.mp4", "mp4", avcodec.AV_CODEC_ID_H264, 30);
        MediaException tooMany = assertThrows(MediaException.class, () -> VideoDecoder.decode(v, FrameSampler.all(), new VideoDecoder.Limits(3600, 10, 1 << 20)));
        assertTrue(tooMany.getMessage().contains("more than 10 frames"), tooMany.getMessage());
        System.out.println("[error message] " + e.getMessage());
    }
}
