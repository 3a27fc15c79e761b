package io.llava4j.tokenizer;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * transformers' slow {@code Qwen2Tokenizer} (4.47): byte-level BPE over {@code vocab.json} +
 * {@code merges.txt}, text NFC-normalized, pre-tokenized with Qwen2's regex. No BOS/EOS is added.
 * Decoding never puts spaces between special tokens and never cleans up spaces.
 */
final class Qwen2Tokenizer extends SlowTokenizer {
    /**
     * Qwen2's {@code PRETOKENIZE_REGEX}. Python's {@code regex} module is Unicode-aware: {@code \s} is Unicode
     * whitespace (written here as {@code \p{IsWhite_Space}}) and {@code (?i:...)} folds case beyond ASCII.
     */
    static final Pattern PRETOKENIZE = Pattern.compile(
            "(?iu:'s|'t|'re|'ve|'m|'ll|'d)"
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}"
                    + "| ?[^\\p{IsWhite_Space}\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\p{IsWhite_Space}*[\\r\\n]+"
                    + "|\\p{IsWhite_Space}+(?!\\P{IsWhite_Space})"
                    + "|\\p{IsWhite_Space}+");

    private static final Map<String, String> DEFAULT_ROLES = Map.of(
            "unk_token", "<|endoftext|>", "eos_token", "<|endoftext|>", "pad_token", "<|endoftext|>");

    private final ByteLevelBpe bpe;

    private Qwen2Tokenizer(ByteLevelBpe bpe, AddedVocabulary added) {
        // Qwen2Tokenizer.decode passes clean_up_tokenization_spaces=False explicitly.
        super(added, bpe.size(), t -> optional(bpe.id(t)), false);
        this.bpe = bpe;
    }

    static Qwen2Tokenizer load(Path vocabFile, Path mergesFile, TokenizerConfig cfg) {
        ByteLevelBpe bpe = ByteLevelBpe.load(vocabFile, mergesFile);
        AddedVocabulary added = new AddedVocabulary(cfg, DEFAULT_ROLES, bpe.size(), t -> optional(bpe.id(t)));
        return new Qwen2Tokenizer(bpe, added);
    }

    private static OptionalInt optional(Integer id) {
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    protected String prepareForTokenization(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFC);
    }

    @Override
    protected List<String> tokenizeChunk(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PRETOKENIZE.matcher(text);
        while (m.find()) out.addAll(bpe.bpe(ByteLevelBpe.byteEncode(m.group())));
        return out;
    }

    /** {@code encoder.get(token, encoder.get(unk_token))}; -1 if neither exists. */
    @Override
    protected int baseTokenToId(String token) {
        Integer id = bpe.id(token);
        if (id != null) return id;
        OptionalInt unk = unkId();
        return unk.isPresent() ? unk.getAsInt() : -1;
    }

    @Override
    protected String baseIdToToken(int id) {
        String t = bpe.token(id);
        return t != null ? t : "";
    }

    /** Joined tokens back to bytes, then UTF-8 with {@code errors="replace"}. */
    @Override
    protected String tokensToString(List<String> tokens) {
        byte[] bytes = ByteLevelBpe.byteDecode(String.join("", tokens));
        return Utf8.decodePython(bytes, 0, bytes.length);
    }

    @Override
    protected boolean spacesBetweenSpecialTokens() {
        return false;
    }
}
