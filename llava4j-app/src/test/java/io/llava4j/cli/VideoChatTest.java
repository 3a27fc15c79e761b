package io.llava4j.cli;

import io.llava4j.testing.Fixtures;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real video file, encoded in the test, goes through `chat --video` for every video family. */
class VideoChatTest {
    @TempDir static Path tmp;
    static Path video;

    @BeforeAll
    static void encodeVideo() throws Exception {
        video = tmp.resolve("moving-square.mp4");
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(video.toFile(), 96, 64, 0); Java2DFrameConverter conv = new Java2DFrameConverter()) {
            r.setFormat("mp4");
            r.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            r.setFrameRate(12);
            r.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
            r.start();
            for (int i = 0; i < 36; i++) { // 3 s
                BufferedImage bi = new BufferedImage(96, 64, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = bi.createGraphics();
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, 96, 64);
                g.setColor(Color.RED);
                g.fillRect(2 * i, 20, 16, 16);
                g.dispose();
                r.record(conv.convert(bi));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"video-llava-tiny", "llava-next-video-tiny", "llava-onevision-qwen2-tiny", "pllava-tiny"})
    void chatAboutAVideoFile(String fixture) {
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", Fixtures.dir(fixture).toString(), "--video", video.toString(),
                "--temperature", "0", "--max-new-tokens", "5", "What happens in this video?");
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().isBlank());
        assertFalse(r.err().contains("Input #0"), "no FFmpeg chatter on stderr: " + r.err());
    }

    @Test
    void framesOverrideAndImageOnlyModels() {
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", Fixtures.dir("video-llava-tiny").toString(), "--video", video.toString(),
                "--frames", "4", "--temperature", "0", "--max-new-tokens", "3", "Describe.");
        assertEquals(0, r.exitCode(), r.err());
        CliRunner.Result bad = CliRunner.run(null, "chat", "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--video", video.toString(), "Describe.");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("does not take videos"), bad.err());
        CliRunner.Result missing = CliRunner.run(null, "chat", "--model", Fixtures.dir("video-llava-tiny").toString(), "--video", tmp.resolve("nope.mp4").toString(), "x");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("video not found"), missing.err());
    }
}
