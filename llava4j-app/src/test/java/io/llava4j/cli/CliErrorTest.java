package io.llava4j.cli;

import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gives exit code 2 and one clear line on stderr (no stack trace without --debug). */
class CliErrorTest {
    @TempDir Path tmp;

    /** A writable copy of a fixture model folder (without goldens). */
    Path copyOf(String fixture) throws IOException {
        Path src = Fixtures.dir(fixture), dst = tmp.resolve(fixture);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
                dst.resolve(p.getFileName()).toFile().setWritable(true);
            }
        }
        return dst;
    }

    CliRunner.Result probe(Path model, String... extra) {
        String[] base = {"probe", "--model", model.toString(), "--prompt", "USER: <image>\nHi ASSISTANT:"};
        String[] all = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        return CliRunner.run(null, all);
    }

    void assertOneLineError(CliRunner.Result r, String... fragments) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
        System.out.println("[error message] " + err);
    }

    String image() { return Fixtures.dir("llava-1.5-tiny").resolve("golden/img_tiny_30x30.png").toString(); }

    @Test void missingModelFolder() {
        assertOneLineError(probe(tmp.resolve("nope"), "--image", image()), "model folder not found");
    }

    @Test void missingWeights() throws IOException {
        Path m = copyOf("llava-1.5-tiny");
        Files.delete(m.resolve("model.safetensors"));
        assertOneLineError(probe(m, "--image", image()), "no weights");
    }

    @Test void truncatedWeights() throws IOException {
        Path m = copyOf("llava-1.5-tiny");
        Path w = m.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(w);
        Files.write(w, java.util.Arrays.copyOf(b, b.length / 2), StandardOpenOption.TRUNCATE_EXISTING);
        assertOneLineError(probe(m, "--image", image()), "model.safetensors", "truncated");
    }

    @Test void unknownDtypeInWeights() throws IOException {
        Path m = copyOf("llava-1.5-tiny");
        Path w = m.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(w);
        String s = new String(b, 0, 4000, java.nio.charset.StandardCharsets.ISO_8859_1);
        int i = s.indexOf("\"F16\"");
        b[i + 1] = 'Q'; // "Q16": not a dtype
        Files.write(w, b);
        assertOneLineError(probe(m, "--image", image()), "Q16");
    }

    @Test void configFieldOutOfRange() throws IOException {
        Path m = copyOf("llava-1.5-tiny");
        Path c = m.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"num_attention_heads\": 4,\n    \"num_hidden_layers\": 2", "\"num_attention_heads\": 4,\n    \"num_hidden_layers\": -1"));
        assertOneLineError(probe(m, "--image", image()), "num_hidden_layers", "-1");
    }

    @Test void configNotJson() throws IOException {
        Path m = copyOf("llava-1.5-tiny");
        Files.writeString(m.resolve("config.json"), "{ not json");
        assertOneLineError(probe(m, "--image", image()), "config.json", "not valid JSON");
    }

    @Test void unsupportedModelType() throws IOException {
        Path m = copyOf("llava-1.5-tiny");
        Path c = m.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("LlavaForConditionalGeneration", "BertModel").replace("\"model_type\": \"llava\"", "\"model_type\": \"bert\""));
        assertOneLineError(probe(m, "--image", image()), "unsupported model", "bert");
    }

    @Test void unreadableImage() throws IOException {
        Path bad = tmp.resolve("bad.png");
        Files.writeString(bad, "this is not an image");
        assertOneLineError(probe(Fixtures.dir("llava-1.5-tiny"), "--image", bad.toString()), "bad.png");
    }

    @Test void moreMarkersThanImages() {
        CliRunner.Result r = CliRunner.run(null, "probe", "--model", Fixtures.dir("llava-1.5-tiny").toString(),
                "--prompt", "USER: <image><image>\nHi ASSISTANT:", "--image", image());
        assertOneLineError(r, "2", "1 images");
    }

    @Test void moreImagesThanMarkersOriginalLayoutToo() {
        CliRunner.Result r = CliRunner.run(null, "probe", "--model", Fixtures.dir("llava-1.5-tiny").toString(),
                "--prompt", "no marker", "--image", image());
        assertOneLineError(r, "0", "1 images");
    }

    @Test void videoOnImageOnlyModel() {
        assertOneLineError(probe(Fixtures.dir("llava-1.5-tiny"), "--image", image(), "--video", image()), "does not take videos");
    }

    @Test void badSamplingValue() {
        CliRunner.Result r = CliRunner.run(null, "chat", "--model", Fixtures.dir("llava-1.5-tiny").toString(), "--top-p", "1.5", "hi");
        assertOneLineError(r, "topP");
    }

    @Test void debugShowsStackTrace() {
        CliRunner.Result r = probe(tmp.resolve("nope"), "--debug");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
