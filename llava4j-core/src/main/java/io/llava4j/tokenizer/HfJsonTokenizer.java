package io.llava4j.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A {@code tokenizer.json} (fast tokenizer) run by the Hugging Face tokenizers library through DJL's JNI
 * binding, with truncation and padding switched off (DJL's default would cut at 512 tokens). The vocabulary,
 * added tokens and special-token roles are read from the JSON files directly for the lookup methods.
 */
final class HfJsonTokenizer implements TextTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> vocab = new HashMap<>();
    private final Map<Integer, String> idToToken = new HashMap<>();
    private final Set<Integer> specialIds = new HashSet<>();
    private final Map<String, String> roles = new HashMap<>();
    private final boolean cleanUpTokenizationSpaces;

    private HfJsonTokenizer(HuggingFaceTokenizer hf, JsonNode tokenizerJson, TokenizerConfig cfg) {
        this.hf = hf;
        this.cleanUpTokenizationSpaces = Py.truthy(cfg.config, "clean_up_tokenization_spaces", false);
        JsonNode modelVocab = tokenizerJson.path("model").path("vocab");
        if (modelVocab.isObject()) { // BPE, WordPiece, WordLevel: {token: id}
            Iterator<Map.Entry<String, JsonNode>> it = modelVocab.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                put(e.getKey(), e.getValue().asInt());
            }
        } else if (modelVocab.isArray()) { // Unigram: [[token, score], ...], id = position
            for (int i = 0; i < modelVocab.size(); i++) put(modelVocab.get(i).get(0).asText(), i);
        }
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            int id = t.path("id").asInt();
            put(t.path("content").asText(), id);
            if (t.path("special").asBoolean(false)) specialIds.add(id);
        }
        for (String role : AddedVocabulary.ROLES) {
            JsonNode v = cfg.config.has(role) ? cfg.config.get(role) : cfg.specialTokensMap.path(role);
            AddedToken t = AddedToken.fromJson(v, true);
            if (t != null) {
                roles.put(role, t.content());
                tokenId(t.content()).ifPresent(specialIds::add);
            }
        }
    }

    private void put(String token, int id) {
        vocab.put(token, id);
        idToToken.put(id, token);
    }

    static HfJsonTokenizer load(Path file, TokenizerConfig cfg) {
        JsonNode json = TokenizerConfig.readIfExists(file);
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true"); // never download
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "true", "truncation", "false", "padding", "false", "modelMaxLength", String.valueOf(Integer.MAX_VALUE)));
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file + " cannot be loaded by Hugging Face tokenizers: " + TokenizerConfig.oneLine(e.getMessage()), e);
        }
        return new HfJsonTokenizer(hf, json, cfg);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        String text = hf.decode(l, skipSpecialTokens);
        return cleanUpTokenizationSpaces ? Py.cleanUpTokenization(text) : text;
    }

    @Override
    public String token(int id) {
        String t = idToToken.get(id);
        if (t == null) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size " + vocabSize() + ")");
        return t;
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int vocabSize() {
        return idToToken.size();
    }

    @Override
    public OptionalInt bosId() {
        return role("bos_token");
    }

    @Override
    public OptionalInt eosId() {
        return role("eos_token");
    }

    @Override
    public OptionalInt padId() {
        return role("pad_token");
    }

    @Override
    public OptionalInt unkId() {
        return role("unk_token");
    }

    private OptionalInt role(String name) {
        String c = roles.get(name);
        return c == null ? OptionalInt.empty() : tokenId(c);
    }

    @Override
    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(ids -> decode(ids, skipSpecialTokens), cleanUpTokenizationSpaces);
    }
}
