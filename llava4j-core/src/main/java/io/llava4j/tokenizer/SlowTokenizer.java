package io.llava4j.tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * The model-independent part of transformers' slow {@code PreTrainedTokenizer} (4.47): added tokens are cut
 * out of the text first (with their lstrip/rstrip/single_word rules) and the rest goes to the model's
 * {@link #tokenizeChunk}; decode groups tokens between "legacy added tokens" and converts each group with
 * {@link #tokensToString}, then joins the groups.
 */
abstract class SlowTokenizer implements TextTokenizer {
    protected final AddedVocabulary added;
    private final int baseSize;
    private final Function<String, OptionalInt> baseId;
    private final AddedTokenSplitter splitter;
    /** Added tokens decoded on their own, outside {@link #tokensToString} (see {@code _decode}). */
    private final Set<String> legacyAddedTokens = new HashSet<>();
    private final boolean cleanUpTokenizationSpaces;

    SlowTokenizer(AddedVocabulary added, int baseSize, Function<String, OptionalInt> baseId, boolean cleanUpTokenizationSpaces) {
        this.added = added;
        this.baseSize = baseSize;
        this.baseId = baseId;
        this.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
        this.splitter = new AddedTokenSplitter(added.contents());
        for (String c : added.contents()) if (!added.allSpecialTokens().contains(c)) legacyAddedTokens.add(c);
        for (String t : added.additionalSpecialTokens()) {
            OptionalInt id = added.idOf(t, baseId);
            if (id.isPresent() && id.getAsInt() >= baseSize) legacyAddedTokens.add(t);
        }
    }

    // ---------------------------------------------------------------- model hooks

    /** {@code _tokenize}: tokens of a text chunk that contains no added token. */
    protected abstract List<String> tokenizeChunk(String text);

    /** {@code _convert_token_to_id} for a model-vocabulary token. */
    protected abstract int baseTokenToId(String token);

    /** {@code _convert_id_to_token} for {@code 0 <= id < baseSize}. */
    protected abstract String baseIdToToken(int id);

    /** {@code convert_tokens_to_string}. */
    protected abstract String tokensToString(List<String> tokens);

    /** {@code prepare_for_tokenization}. */
    protected String prepareForTokenization(String text) {
        return text;
    }

    /** {@code build_inputs_with_special_tokens} for one sequence. */
    protected int[] buildInputsWithSpecialTokens(int[] ids) {
        return ids;
    }

    /** The default of {@code decode(spaces_between_special_tokens=...)} for this tokenizer class. */
    protected boolean spacesBetweenSpecialTokens() {
        return true;
    }

    // ---------------------------------------------------------------- encode

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer a = added.idOfAdded(tokens.get(i));
            ids[i] = a != null ? a : baseTokenToId(tokens.get(i));
        }
        return addSpecialTokens ? buildInputsWithSpecialTokens(ids) : ids;
    }

    /** {@code tokenize}; subclasses may wrap {@link #splitAndTokenize}. */
    protected List<String> tokenize(String text) {
        return splitAndTokenize(text);
    }

    /** {@code PreTrainedTokenizer.tokenize}: cut out added tokens, tokenize the text between them. */
    protected final List<String> splitAndTokenize(String text) {
        List<String> parts = new ArrayList<>(splitter.split(prepareForTokenization(text)));
        for (int i = 0; i < parts.size(); i++) {
            String tok = parts.get(i);
            Integer id = added.idOfAdded(tok);
            if (id == null) continue;
            AddedToken t = added.byId(id);
            String left = i > 0 ? parts.get(i - 1) : "";
            String right = i < parts.size() - 1 ? parts.get(i + 1) : "";
            if (t.rstrip() && !right.isEmpty()) parts.set(i + 1, Py.lstrip(right));
            if (t.lstrip() && !left.isEmpty()) parts.set(i - 1, Py.rstrip(left));
            if (t.singleWord() && !left.isEmpty() && left.charAt(left.length() - 1) != ' ') {
                parts.set(i - 1, parts.get(i - 1) + tok);
                parts.set(i, "");
            } else if (t.singleWord() && !right.isEmpty() && right.charAt(0) != ' ') {
                parts.set(i + 1, tok + parts.get(i + 1));
                parts.set(i, "");
            }
        }
        List<String> tokens = new ArrayList<>();
        for (String p : parts) {
            if (p.isEmpty()) continue;
            if (added.idOfAdded(p) != null) tokens.add(p);
            else tokens.addAll(tokenizeChunk(p));
        }
        return tokens;
    }

    // ---------------------------------------------------------------- decode

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> subTexts = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (int id : ids) {
            if (skipSpecialTokens && added.isSpecialId(id)) continue;
            AddedToken a = added.byId(id);
            if (a == null && (id < 0 || id >= baseSize)) continue; // not in the vocabulary: left out
            String tok = a != null ? a.content() : baseIdToToken(id);
            if (skipSpecialTokens && added.allSpecialTokens().contains(tok)) continue;
            if (legacyAddedTokens.contains(tok)) {
                if (!current.isEmpty()) {
                    String s = tokensToString(current);
                    if (!s.isEmpty()) subTexts.add(s);
                    current.clear();
                }
                subTexts.add(tok);
            } else {
                current.add(tok);
            }
        }
        if (!current.isEmpty()) subTexts.add(tokensToString(current));
        String text = String.join(spacesBetweenSpecialTokens() ? " " : "", subTexts);
        return cleanUpTokenizationSpaces ? Py.cleanUpTokenization(text) : text;
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(ids -> decode(ids, skipSpecialTokens), cleanUpTokenizationSpaces);
    }

    // ---------------------------------------------------------------- vocabulary

    @Override
    public String token(int id) {
        AddedToken a = added.byId(id);
        if (a != null) return a.content();
        if (id < 0 || id >= baseSize) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size " + vocabSize() + ")");
        return baseIdToToken(id);
    }

    @Override
    public OptionalInt tokenId(String token) {
        return added.idOf(token, baseId);
    }

    @Override
    public int vocabSize() {
        return added.totalSize();
    }

    @Override
    public OptionalInt bosId() {
        return roleId("bos_token");
    }

    @Override
    public OptionalInt eosId() {
        return roleId("eos_token");
    }

    @Override
    public OptionalInt padId() {
        return roleId("pad_token");
    }

    @Override
    public OptionalInt unkId() {
        return roleId("unk_token");
    }

    @Override
    public boolean isSpecial(int id) {
        return added.isSpecialId(id);
    }

    protected final OptionalInt roleId(String role) {
        String content = added.role(role);
        return content == null ? OptionalInt.empty() : tokenId(content);
    }

    protected final Set<String> allSpecialTokens() {
        return added.allSpecialTokens();
    }
}
