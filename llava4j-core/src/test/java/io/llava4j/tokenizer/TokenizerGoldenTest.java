package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of tokenizers/{llama2-vicuna,mistral,qwen2}/tokenizer_golden.json (made with transformers 4.47's
 * slow tokenizers and sentencepiece 0.1.97), field by field. Mismatches are collected and listed together.
 */
class TokenizerGoldenTest {

    @TempDir
    Path tmp;

    @Test
    void llama2Vicuna() throws IOException {
        checkSentencePieceFolder("llama2-vicuna");
    }

    @Test
    void mistral() throws IOException {
        checkSentencePieceFolder("mistral");
    }

    @Test
    void qwen2() {
        Path dir = Fixtures.dir("tokenizers/qwen2");
        JsonNode golden = Fixtures.json(dir.resolve("tokenizer_golden.json"));
        TextTokenizer tok = Tokenizers.load(dir);
        assertTrue(tok instanceof Qwen2Tokenizer);
        Report r = new Report("qwen2");
        checkMeta(r, tok, golden);
        for (JsonNode c : golden.get("cases")) checkHfFields(r, tok, c);
        r.finish();
    }

    private void checkSentencePieceFolder(String name) throws IOException {
        Path dir = Fixtures.dir("tokenizers/" + name);
        JsonNode golden = Fixtures.json(dir.resolve("tokenizer_golden.json"));
        TextTokenizer tok = Tokenizers.load(dir);
        assertTrue(tok instanceof LlamaTokenizer);
        assertEquals(golden.get("legacy").asBoolean(), ((LlamaTokenizer) tok).legacy(), "legacy flag read from tokenizer_config.json");
        Report r = new Report(name);
        checkMeta(r, tok, golden);

        // Raw sentencepiece (its own add_dummy_prefix), legacy=True variant, and the bare tokenizer.model.
        SentencePieceModel model = SentencePieceModel.read(dir.resolve("tokenizer.model"));
        SentencePieceBpe raw = new SentencePieceBpe(model, model.addDummyPrefix);
        TextTokenizer legacyTrue = LlamaTokenizer.load(dir.resolve("tokenizer.model"), TokenizerConfig.read(dir), true);
        Files.copy(dir.resolve("tokenizer.model"), tmp.resolve("tokenizer.model"));
        TextTokenizer bare = Tokenizers.load(tmp);

        for (JsonNode c : golden.get("cases")) {
            checkHfFields(r, tok, c);
            String text = c.get("text").asText();
            List<String> pieces = raw.encodeAsPieces(text);
            r.check("sentencepiece_pieces", text, strings(c.get("sentencepiece_pieces")), pieces);
            r.check("sentencepiece_ids", text, ints(c.get("sentencepiece_ids")), pieces.stream().map(raw::pieceToId).toList());
            r.check("sentencepiece_decode", text, c.get("sentencepiece_decode").asText(), raw.decodePieces(idsToPieces(raw, c.get("sentencepiece_ids"))));
            r.check("ids_legacy_true", text, ints(c.get("ids_legacy_true")), box(legacyTrue.encode(text, true)));
            r.check("ids_plain_sp_legacy_no_added_tokens", text, ints(c.get("ids_plain_sp_legacy_no_added_tokens")), box(bare.encode(text, true)));
        }
        r.finish();
    }

    private static List<String> idsToPieces(SentencePieceBpe sp, JsonNode ids) {
        List<String> out = new ArrayList<>();
        for (JsonNode id : ids) out.add(sp.idToPiece(id.asInt()));
        return out;
    }

    private static void checkMeta(Report r, TextTokenizer tok, JsonNode g) {
        r.check("vocab_size_with_added", "-", g.get("vocab_size_with_added").asInt(), tok.vocabSize());
        r.check("bos", "-", roleId(tok, g.get("bos")), tok.bosId());
        r.check("eos", "-", roleId(tok, g.get("eos")), tok.eosId());
        r.check("pad", "-", roleId(tok, g.get("pad")), tok.padId());
        r.check("unk", "-", roleId(tok, g.get("unk")), tok.unkId());
        g.get("added_tokens").fields().forEachRemaining(e -> {
            r.check("added_tokens", e.getKey(), OptionalInt.of(e.getValue().asInt()), tok.tokenId(e.getKey()));
            r.check("added_token_is_special", e.getKey(), true, tok.isSpecial(e.getValue().asInt()));
        });
    }

    private static OptionalInt roleId(TextTokenizer tok, JsonNode content) {
        return content.isNull() ? OptionalInt.empty() : tok.tokenId(content.asText());
    }

    /** The fields every golden has: HF ids with/without specials, tokens, decode with/without specials. */
    private static void checkHfFields(Report r, TextTokenizer tok, JsonNode c) {
        String text = c.get("text").asText();
        int[] ids = c.get("ids").valueStream().mapToInt(JsonNode::asInt).toArray();
        r.check("ids", text, box(ids), box(tok.encode(text, true)));
        r.check("ids_no_special", text, ints(c.get("ids_no_special")), box(tok.encode(text, false)));
        r.check("tokens", text, strings(c.get("tokens")), Arrays.stream(ids).mapToObj(tok::token).toList());
        for (int i = 0; i < ids.length; i++) {
            r.check("tokenId(token)", text, OptionalInt.of(ids[i]), tok.tokenId(c.get("tokens").get(i).asText()));
        }
        r.check("decode", text, c.get("decode").asText(), tok.decode(ids, false));
        r.check("decode_skip_special", text, c.get("decode_skip_special").asText(), tok.decode(ids, true));
        r.check("stream==decode", text, tok.decode(ids, false), stream(tok, ids, false));
        r.check("stream_skip==decode_skip", text, tok.decode(ids, true), stream(tok, ids, true));
    }

    static String stream(TextTokenizer tok, int[] ids, boolean skip) {
        StreamingDecoder d = tok.streamingDecoder(skip);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(d.add(id));
        sb.append(d.finish());
        return sb.toString();
    }

    static List<Integer> ints(JsonNode a) {
        return a.valueStream().map(JsonNode::asInt).toList();
    }

    static List<String> strings(JsonNode a) {
        return a.valueStream().map(JsonNode::asText).toList();
    }

    static List<Integer> box(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    /** Counts matches per field and keeps every mismatch; {@link #finish} prints the tally and fails if any. */
    static final class Report {
        private final String name;
        private final Map<String, int[]> tally = new TreeMap<>();
        private final List<String> failures = new ArrayList<>();

        Report(String name) {
            this.name = name;
        }

        void check(String field, String text, Object expected, Object actual) {
            int[] t = tally.computeIfAbsent(field, k -> new int[2]);
            t[1]++;
            if (expected.equals(actual)) t[0]++;
            else failures.add(field + " of " + quote(text) + ": expected " + expected + " but got " + actual);
        }

        void finish() {
            StringBuilder sb = new StringBuilder("tokenizer golden [" + name + "]:");
            tally.forEach((f, t) -> sb.append(' ').append(f).append(' ').append(t[0]).append('/').append(t[1]));
            System.out.println(sb);
            failures.forEach(f -> System.out.println("  MISMATCH " + f));
            assertTrue(failures.isEmpty(), failures.size() + " mismatches in " + name + ", first: " + (failures.isEmpty() ? "" : failures.get(0)));
        }

        private static String quote(String s) {
            return '"' + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"';
        }
    }
}
