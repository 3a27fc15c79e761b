package io.llava4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Writes a miniature benchmark in POPE's real layout (images, llava_pope_test.jsonl with categories, the label
 * files coco/coco_pope_{category}.json): shapes drawn with Java2D, yes/no questions about them. Used to test
 * the whole run -> score path, and as a quick smoke test of a model.
 */
@Command(name = "mini", mixinStandardHelpOptions = true, description = "Write a miniature POPE-layout benchmark (synthetic images and labels).")
final class MiniBenchmarkCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--per-category", defaultValue = "4", paramLabel = "N") int perCategory;
    @Option(names = "--seed", defaultValue = "7") long seed;
    @Option(names = "--video", description = "Write a miniature video-QA benchmark (test_q.json, test_a.json, videos/*.mp4) instead.") boolean video;

    static final String[] SHAPES = {"circle", "square"};
    static final Color[] COLORS = {Color.RED, Color.BLUE, Color.GREEN};

    @Override
    public Integer call() throws Exception {
        if (video) writeVideoQa(out, perCategory, seed);
        else write(out, perCategory, seed);
        System.out.println(out);
        return 0;
    }

    /** Videos of a square moving left or right; questions about the direction (Video-ChatGPT layout). */
    static void writeVideoQa(Path out, int count, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Path videos = Files.createDirectories(out.resolve("videos"));
        StringBuilder q = new StringBuilder("["), a = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            boolean right = r.nextBoolean();
            String name = "v_mini" + i;
            try (var rec = new org.bytedeco.javacv.FFmpegFrameRecorder(videos.resolve(name + ".mp4").toFile(), 96, 64, 0);
                 var conv = new org.bytedeco.javacv.Java2DFrameConverter()) {
                rec.setFormat("mp4");
                rec.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264);
                rec.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
                rec.setFrameRate(8);
                rec.start();
                for (int f = 0; f < 16; f++) {
                    BufferedImage bi = new BufferedImage(96, 64, BufferedImage.TYPE_3BYTE_BGR);
                    Graphics2D g = bi.createGraphics();
                    g.setColor(Color.WHITE);
                    g.fillRect(0, 0, 96, 64);
                    g.setColor(COLORS[i % COLORS.length]);
                    int x = right ? 4 * f : 76 - 4 * f;
                    g.fillRect(x, 24, 16, 16);
                    g.dispose();
                    rec.record(conv.convert(bi));
                }
            }
            String sep = i == 0 ? "" : ", ";
            q.append(sep).append("{\"video_name\": \"").append(name).append("\", \"question\": \"Which way does the square move?\", \"question_id\": \"").append(name).append("_0\"}");
            a.append(sep).append("{\"answer\": \"").append(right ? "right" : "left").append("\", \"type\": 0, \"question_id\": \"").append(name).append("_0\"}");
        }
        Files.writeString(out.resolve("test_q.json"), q.append("]"));
        Files.writeString(out.resolve("test_a.json"), a.append("]"));
    }

    static void write(Path out, int perCategory, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Files.createDirectories(out.resolve("val2014"));
        Files.createDirectories(out.resolve("coco"));
        StringBuilder questions = new StringBuilder();
        int qid = 1;
        for (String cat : new String[] {"adversarial", "popular", "random"}) {
            StringBuilder labels = new StringBuilder();
            for (int i = 0; i < perCategory; i++, qid++) {
                String shape = SHAPES[r.nextInt(SHAPES.length)];
                String asked = r.nextBoolean() ? shape : SHAPES[(java.util.Arrays.asList(SHAPES).indexOf(shape) + 1) % SHAPES.length];
                String image = "COCO_val2014_" + String.format("%012d", qid) + ".png";
                BufferedImage bi = new BufferedImage(96, 72, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = bi.createGraphics();
                g.setColor(new Color(240, 240, 235));
                g.fillRect(0, 0, 96, 72);
                g.setColor(COLORS[r.nextInt(COLORS.length)]);
                int x = 10 + r.nextInt(40), y = 10 + r.nextInt(20);
                if (shape.equals("circle")) g.fillOval(x, y, 30, 30); else g.fillRect(x, y, 30, 30);
                g.dispose();
                ImageIO.write(bi, "png", out.resolve("val2014").resolve(image).toFile());
                String text = "Is there a " + asked + " in the image?";
                questions.append("{\"question_id\": ").append(qid).append(", \"image\": \"").append(image)
                        .append("\", \"text\": \"").append(text).append(" Answer the question using a single word or phrase.\", \"category\": \"")
                        .append(cat).append("\"}\n");
                labels.append("{\"question_id\": ").append(qid).append(", \"image\": \"").append(image).append("\", \"text\": \"")
                        .append(text).append("\", \"label\": \"").append(asked.equals(shape) ? "yes" : "no").append("\"}\n");
            }
            Files.writeString(out.resolve("coco").resolve("coco_pope_" + cat + ".json"), labels, StandardCharsets.UTF_8);
        }
        Files.writeString(out.resolve("llava_pope_test.jsonl"), questions, StandardCharsets.UTF_8);
    }
}
