package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tokenizer.json path (Hugging Face tokenizers via DJL). No fixture ships a tokenizer.json, so the test
 * writes the one transformers' {@code Qwen2Converter} would make from the Qwen2 vocab.json + merges.txt and
 * checks it against the same goldens as the pure-Java Qwen2 tokenizer.
 */
class HfJsonTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static TextTokenizer tok;
    static JsonNode golden;

    @BeforeAll
    static void synthesize() throws IOException {
        Path src = Fixtures.dir("tokenizers/qwen2");
        golden = Fixtures.json(src.resolve("tokenizer_golden.json"));
        Files.copy(src.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(qwen2TokenizerJson(src)));
        tok = Tokenizers.load(dir);
        assertTrue(tok instanceof HfJsonTokenizer);
    }

    @Test
    void qwen2GoldensThroughTokenizersLibrary() {
        TokenizerGoldenTest.Report r = new TokenizerGoldenTest.Report("qwen2 via tokenizer.json (DJL)");
        for (JsonNode c : golden.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = c.get("ids").valueStream().mapToInt(JsonNode::asInt).toArray();
            r.check("ids", text, TokenizerGoldenTest.ints(c.get("ids")), TokenizerGoldenTest.box(tok.encode(text, true)));
            r.check("ids_no_special", text, TokenizerGoldenTest.ints(c.get("ids_no_special")), TokenizerGoldenTest.box(tok.encode(text, false)));
            r.check("tokens", text, TokenizerGoldenTest.strings(c.get("tokens")), Arrays.stream(ids).mapToObj(tok::token).toList());
            r.check("decode", text, c.get("decode").asText(), tok.decode(ids, false));
            r.check("decode_skip_special", text, c.get("decode_skip_special").asText(), tok.decode(ids, true));
            r.check("stream==decode", text, tok.decode(ids, false), TokenizerGoldenTest.stream(tok, ids, false));
        }
        r.finish();
    }

    @Test
    void rolesAndSizes() {
        assertEquals(151648, tok.vocabSize());
        assertEquals(OptionalInt.of(151645), tok.eosId());
        assertEquals(OptionalInt.of(151643), tok.padId());
        assertEquals(OptionalInt.empty(), tok.bosId());
        assertTrue(tok.isSpecial(151646));
        assertEquals("<image>", tok.token(151646));
    }

    @Test
    void longInputIsNotTruncated() {
        String text = "word ".repeat(3000); // "word", " word" x 2999, " "
        int[] ids = tok.encode(text, true);
        assertEquals(3001, ids.length);
        assertEquals(TokenizerGoldenTest.box(Tokenizers.load(Fixtures.dir("tokenizers/qwen2")).encode(text, true)), TokenizerGoldenTest.box(ids));
    }

    /** tokenizer.json as transformers' Qwen2Converter writes it (NFC, regex split, byte-level BPE). */
    static ObjectNode qwen2TokenizerJson(Path src) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        JsonNode decoder = Fixtures.json(src.resolve("tokenizer_config.json")).get("added_tokens_decoder");
        decoder.fields().forEachRemaining(e -> {
            ObjectNode t = added.addObject();
            t.put("id", Integer.parseInt(e.getKey()));
            t.put("content", e.getValue().get("content").asText());
            for (String f : new String[] {"single_word", "lstrip", "rstrip", "normalized", "special"}) t.put(f, e.getValue().get(f).asBoolean());
        });
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode seq = pre.putArray("pretokenizers");
        ObjectNode split = seq.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex",
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        split.put("behavior", "Isolated");
        split.put("invert", false);
        seq.add(byteLevel());
        root.set("post_processor", byteLevel());
        root.set("decoder", byteLevel());
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", Fixtures.json(src.resolve("vocab.json")));
        ArrayNode merges = model.putArray("merges");
        for (String line : Files.readAllLines(src.resolve("merges.txt"), StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("#version")) merges.add(line.strip());
        }
        return root;
    }

    private static ObjectNode byteLevel() {
        ObjectNode b = JSON.createObjectNode();
        b.put("type", "ByteLevel");
        b.put("add_prefix_space", false);
        b.put("trim_offsets", false);
        b.put("use_regex", false);
        return b;
    }
}
