package io.llava4j.server;

import io.llava4j.api.Llava4j;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.testing.Fixtures;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The engine's own greedy answer, one request at a time, with no server involved (what every server answer must equal). */
final class Expected {
    static final Path MODEL = Fixtures.dir("llava-1.5-tiny");
    static final Path LANDSCAPE = MODEL.resolve("golden/img_landscape_200x150.png");
    static final Path PORTRAIT = MODEL.resolve("golden/img_portrait_120x240.png");
    static final Path TINY = MODEL.resolve("golden/img_tiny_30x30.png");

    private static Llava4j engine;
    private static final Map<String, String> memo = new ConcurrentHashMap<>();

    private Expected() {}

    /** One user turn: the images (in order), then the text; greedy, at most maxTokens. */
    static synchronized String greedy(String text, int maxTokens, List<Path> images) {
        String key = text + "|" + maxTokens + "|" + images;
        String hit = memo.get(key);
        if (hit != null) return hit;
        if (engine == null) engine = Llava4j.load(MODEL);
        List<RgbImage> imgs = images.stream().map(ImageDecoder::decode).toList();
        String answer = engine.newChat().send(text, imgs, SamplingParams.greedy().withMaxNewTokens(maxTokens), null).text();
        memo.put(key, answer);
        return answer;
    }
}
