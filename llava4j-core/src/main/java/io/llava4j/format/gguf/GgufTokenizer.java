package io.llava4j.format.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.config.Json;
import io.llava4j.format.CheckpointException;
import io.llava4j.tokenizer.SentencePieceVocab;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The tokenizer of a GGUF text model ({@code tokenizer.ggml.*}, as llama.cpp's convert_hf_to_gguf writes it) to and
 * from the project's SentencePiece tokenizer (transformers' slow LlamaTokenizer).
 * <p>
 * Reading ({@code tokenizer.ggml.model} "llama"): {@code tokens}, {@code scores}, {@code token_type}; the SentencePiece
 * vocabulary is the ids up to the last NORMAL / BYTE piece; after it, CONTROL tokens are special added tokens
 * ({@code <image>}), USER_DEFINED ones plain added tokens, and UNUSED ones ({@code [PAD32002]}, the padding of the
 * embedding rows) are left out, as the HF tokenizer does not have them. Roles from {@code bos/eos/unknown/padding
 * _token_id}, {@code add_bos_token} / {@code add_eos_token}, SentencePiece's dummy prefix from {@code add_space_prefix}
 * (default true) and {@code remove_extra_whitespaces} (default false). transformers' {@code legacy} flag has no
 * llama.cpp key: it is read from {@value #LEGACY_KEY} (written by this project), default false as in the
 * tokenizer_config.json of LLaVA-1.5 and Vicuna-1.5.
 */
public final class GgufTokenizer {
    private GgufTokenizer() {}

    /** transformers' LlamaTokenizer {@code legacy} (how text right after a special token is tokenized). */
    public static final String LEGACY_KEY = "llava4j.tokenizer.legacy";

    public static TextTokenizer read(GgufFile f) {
        String model = f.meta("tokenizer.ggml.model").map(GgufValue::asString)
                .orElseThrow(() -> new CheckpointException(f.path() + ": no tokenizer in the file (tokenizer.ggml.model is missing)"));
        if (!model.equals("llama")) {
            throw new CheckpointException(f.path() + ": tokenizer.ggml.model '" + model + "' is not supported (llama = SentencePiece)");
        }
        List<String> tokens = new ArrayList<>();
        for (Object o : list(f, "tokenizer.ggml.tokens")) tokens.add((String) o);
        int n = tokens.size();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        List<Object> s = f.meta("tokenizer.ggml.scores").isPresent() ? list(f, "tokenizer.ggml.scores") : null;
        List<Object> t = f.meta("tokenizer.ggml.token_type").isPresent() ? list(f, "tokenizer.ggml.token_type") : null;
        if (s != null && s.size() != n || t != null && t.size() != n) {
            throw new CheckpointException(f.path() + ": " + n + " tokens but " + (s == null ? n : s.size()) + " scores and " + (t == null ? n : t.size()) + " token types");
        }
        for (int i = 0; i < n; i++) {
            scores.add(s == null ? 0f : ((Number) s.get(i)).floatValue());
            types.add(t == null ? SentencePieceVocab.NORMAL : ((Number) t.get(i)).intValue());
        }
        int unk = id(f, "tokenizer.ggml.unknown_token_id", tokens.indexOf("<unk>"));
        int base = 0;
        for (int i = 0; i < n; i++) {
            int ty = types.get(i);
            if (ty == SentencePieceVocab.NORMAL || ty == SentencePieceVocab.BYTE || ty == SentencePieceVocab.UNKNOWN) base = i + 1;
        }
        if (unk < 0 || unk >= base) throw new CheckpointException(f.path() + ": unknown token id " + unk + " is not in the SentencePiece vocabulary (" + base + " pieces)");
        List<Integer> spTypes = new ArrayList<>(types.subList(0, base));
        for (int i = 0; i < base; i++) {
            if (i == unk) spTypes.set(i, SentencePieceVocab.UNKNOWN);
            else if (spTypes.get(i) == SentencePieceVocab.UNKNOWN) spTypes.set(i, SentencePieceVocab.CONTROL);
        }
        SentencePieceVocab vocab = new SentencePieceVocab(tokens.subList(0, base), scores.subList(0, base), spTypes,
                flag(f, "tokenizer.ggml.add_space_prefix", true), flag(f, "tokenizer.ggml.remove_extra_whitespaces", false));
        return Tokenizers.sentencePiece(vocab, tokenizerConfig(f, tokens, types, base, unk), f.path().toString());
    }

    /** A tokenizer_config.json equivalent to the file's metadata (roles, added tokens, flags). */
    private static JsonNode tokenizerConfig(GgufFile f, List<String> tokens, List<Integer> types, int base, int unk) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("add_bos_token", flag(f, "tokenizer.ggml.add_bos_token", true));
        c.put("add_eos_token", flag(f, "tokenizer.ggml.add_eos_token", false));
        c.put("legacy", flag(f, LEGACY_KEY, false));
        c.put("clean_up_tokenization_spaces", false);
        Map<String, Integer> roles = new LinkedHashMap<>();
        roles.put("bos_token", id(f, "tokenizer.ggml.bos_token_id", -1));
        roles.put("eos_token", id(f, "tokenizer.ggml.eos_token_id", -1));
        roles.put("unk_token", unk);
        roles.put("pad_token", id(f, "tokenizer.ggml.padding_token_id", -1));
        List<Integer> roleIds = new ArrayList<>();
        for (Map.Entry<String, Integer> e : roles.entrySet()) {
            int id = e.getValue();
            if (id < 0) continue;
            if (id >= tokens.size()) throw new CheckpointException(f.path() + ": " + e.getKey() + " id " + id + " is outside the vocabulary (" + tokens.size() + ")");
            c.put(e.getKey(), tokens.get(id));
            roleIds.add(id);
        }
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        ArrayNode additional = c.putArray("additional_special_tokens");
        for (int i = 0; i < tokens.size(); i++) {
            int ty = types.get(i);
            boolean special = ty == SentencePieceVocab.CONTROL || i == unk;
            if (!special && (ty != SentencePieceVocab.USER_DEFINED || i < base)) continue;
            ObjectNode tok = decoder.putObject(Integer.toString(i));
            tok.put("content", tokens.get(i)).put("lstrip", false).put("normalized", !special).put("rstrip", false)
                    .put("single_word", false).put("special", special);
            if (special && i >= base && !roleIds.contains(i)) additional.add(tokens.get(i));
        }
        return c;
    }

    // ---------------------------------------------------------------- writing

    /**
     * The {@code tokenizer.ggml.*} metadata of a HF model folder's SentencePiece tokenizer, as convert_hf_to_gguf
     * writes it: {@code vocabSize} tokens (the embedding rows): the tokenizer.model pieces, the added tokens at their
     * ids (special: CONTROL, else USER_DEFINED; score -1000), {@code [PAD<id>]} (UNUSED) for the rest; plus
     * {@value #LEGACY_KEY}.
     */
    public static Map<String, GgufValue> metadata(Path modelDir, TextTokenizer tok, int vocabSize) {
        SentencePieceVocab sp = Tokenizers.sentencePieceVocab(modelDir);
        if (sp.size() > vocabSize) throw new CheckpointException(modelDir + ": the tokenizer has " + sp.size() + " pieces but the model only " + vocabSize + " embedding rows");
        List<String> tokens = new ArrayList<>(sp.pieces());
        List<Float> scores = new ArrayList<>(sp.scores());
        List<Integer> types = new ArrayList<>(sp.types());
        for (int id = sp.size(); id < vocabSize; id++) {
            boolean added = id < tok.vocabSize();
            String content = added ? tok.token(id) : null;
            tokens.add(added ? content : "[PAD" + id + "]");
            scores.add(added ? -1000f : -10000f);
            types.add(!added ? SentencePieceVocab.UNUSED : tok.isSpecial(id) ? SentencePieceVocab.CONTROL : SentencePieceVocab.USER_DEFINED);
        }
        JsonNode cfg = Json.readOptional(modelDir.resolve("tokenizer_config.json"));
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.str("llama"));
        m.put("tokenizer.ggml.pre", GgufValue.str("default"));
        m.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, tokens));
        m.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, scores));
        m.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
        putId(m, "tokenizer.ggml.bos_token_id", tok.bosId(), vocabSize);
        putId(m, "tokenizer.ggml.eos_token_id", tok.eosId(), vocabSize);
        putId(m, "tokenizer.ggml.unknown_token_id", tok.unkId(), vocabSize);
        putId(m, "tokenizer.ggml.padding_token_id", tok.padId(), vocabSize);
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(Json.boolField(cfg, "add_bos_token", true)));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(Json.boolField(cfg, "add_eos_token", false)));
        m.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(sp.addDummyPrefix()));
        m.put("tokenizer.ggml.remove_extra_whitespaces", GgufValue.bool(sp.removeExtraWhitespaces()));
        JsonNode legacy = cfg.path("legacy");
        m.put(LEGACY_KEY, GgufValue.bool(!legacy.isBoolean() || legacy.asBoolean())); // absent or null: transformers' default, true
        return m;
    }

    private static void putId(Map<String, GgufValue> m, String key, OptionalInt id, int vocabSize) {
        if (id.isPresent() && id.getAsInt() >= 0 && id.getAsInt() < vocabSize) m.put(key, GgufValue.u32(id.getAsInt()));
    }

    // ---------------------------------------------------------------- metadata access

    private static List<Object> list(GgufFile f, String key) {
        GgufValue v = f.meta(key).orElseThrow(() -> new CheckpointException(f.path() + ": metadata key '" + key + "' is missing"));
        if (v.type() != GgufValueType.ARRAY) throw new CheckpointException(f.path() + ": metadata key '" + key + "' is not an array");
        return v.asList();
    }

    private static int id(GgufFile f, String key, int dflt) {
        return f.meta(key).map(v -> (int) v.asLong()).orElse(dflt);
    }

    private static boolean flag(GgufFile f, String key, boolean dflt) {
        return f.meta(key).map(v -> v.asLong() != 0).orElse(dflt);
    }
}
