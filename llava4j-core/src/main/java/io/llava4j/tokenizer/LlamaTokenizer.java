package io.llava4j.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * transformers' slow {@code LlamaTokenizer} (4.47) over a SentencePiece {@code tokenizer.model}: LLaMA-2,
 * Vicuna, Mistral, and the LLaVA checkpoints built on them.
 *
 * <p>{@code legacy} (tokenizer_config.json; absent or null means true) decides how text after an added token
 * is tokenized. Legacy: every chunk gets SentencePiece's dummy "▁" prefix, so {@code "<image>\n"} gives
 * {@code <image> ▁ <0x0A>}. Non-legacy: the dummy prefix is off inside SentencePiece; one "▁" is put in front
 * of the whole text instead, and chunks that start with a space are encoded behind {@code <unk>} whose pieces
 * are then dropped, so the space is not eaten.
 */
final class LlamaTokenizer extends SlowTokenizer {
    private static final String SPIECE_UNDERLINE = "\u2581";
    private static final Map<String, String> DEFAULT_ROLES = Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>");

    private final SentencePieceBpe sp;
    private final boolean legacy;
    private final boolean addPrefixSpace;
    private final boolean addBosToken;
    private final boolean addEosToken;
    private final String unkToken;
    private final int unkTokenLength;

    private LlamaTokenizer(SentencePieceBpe sp, AddedVocabulary added, TokenizerConfig cfg, boolean legacy) {
        super(added, sp.size(), piece -> pieceId(sp, piece), Py.truthy(cfg.config, "clean_up_tokenization_spaces", false));
        this.sp = sp;
        this.legacy = legacy;
        this.addPrefixSpace = Py.truthy(cfg.config, "add_prefix_space", true);
        this.addBosToken = Py.truthy(cfg.config, "add_bos_token", true);
        this.addEosToken = Py.truthy(cfg.config, "add_eos_token", false);
        String unk = added.role("unk_token");
        this.unkToken = unk == null ? "" : unk;
        this.unkTokenLength = sp.encodeAsPieces(unkToken).size();
    }

    /**
     * @param legacyOverride null to use tokenizer_config.json's {@code legacy}
     */
    static LlamaTokenizer load(Path modelFile, TokenizerConfig cfg, Boolean legacyOverride) {
        return create(SentencePieceModel.read(modelFile), cfg, legacyOverride);
    }

    /** The tokenizer over an already read SentencePiece model. */
    static LlamaTokenizer create(SentencePieceModel model, TokenizerConfig cfg, Boolean legacyOverride) {
        Boolean configured = legacyOverride != null ? legacyOverride : cfg.legacy();
        boolean legacy = configured == null || configured;
        // legacy=false: transformers reloads the model with normalizer_spec.add_dummy_prefix = False.
        SentencePieceBpe sp = new SentencePieceBpe(model, legacy && model.addDummyPrefix);
        AddedVocabulary added = new AddedVocabulary(cfg, DEFAULT_ROLES, sp.size(), piece -> pieceId(sp, piece));
        return new LlamaTokenizer(sp, added, cfg, legacy);
    }

    /** The id of a piece that is in the SentencePiece vocabulary. */
    private static OptionalInt pieceId(SentencePieceBpe sp, String piece) {
        int id = sp.pieceToId(piece);
        return id != sp.unkId() || piece.equals(sp.idToPiece(id)) ? OptionalInt.of(id) : OptionalInt.empty();
    }

    boolean legacy() {
        return legacy;
    }

    @Override
    protected List<String> tokenize(String text) {
        if (legacy || text.isEmpty()) return splitAndTokenize(text);
        String t = text.replace(SPIECE_UNDERLINE, " ");
        if (addPrefixSpace) t = SPIECE_UNDERLINE + t;
        List<String> tokens = splitAndTokenize(t);
        if (tokens.size() > 1 && tokens.get(0).equals(SPIECE_UNDERLINE) && allSpecialTokens().contains(tokens.get(1))) {
            tokens = tokens.subList(1, tokens.size());
        }
        return tokens;
    }

    @Override
    protected List<String> tokenizeChunk(String text) {
        if (legacy || !(text.startsWith(SPIECE_UNDERLINE) || text.startsWith(" "))) return sp.encodeAsPieces(text);
        List<String> tokens = sp.encodeAsPieces(unkToken + text);
        return tokens.size() >= unkTokenLength ? tokens.subList(unkTokenLength, tokens.size()) : tokens;
    }

    @Override
    protected int baseTokenToId(String token) {
        return sp.pieceToId(token);
    }

    @Override
    protected String baseIdToToken(int id) {
        return sp.idToPiece(id);
    }

    @Override
    protected int[] buildInputsWithSpecialTokens(int[] ids) {
        OptionalInt bos = addBosToken ? bosId() : OptionalInt.empty();
        OptionalInt eos = addEosToken ? eosId() : OptionalInt.empty();
        int[] out = new int[ids.length + (bos.isPresent() ? 1 : 0) + (eos.isPresent() ? 1 : 0)];
        int k = 0;
        if (bos.isPresent()) out[k++] = bos.getAsInt();
        System.arraycopy(ids, 0, out, k, ids.length);
        if (eos.isPresent()) out[out.length - 1] = eos.getAsInt();
        return out;
    }

    /** {@code LlamaTokenizer.convert_tokens_to_string}: special tokens verbatim, the rest through SentencePiece. */
    @Override
    protected String tokensToString(List<String> tokens) {
        List<String> toks = new ArrayList<>(tokens);
        if (toks.get(0).startsWith(SPIECE_UNDERLINE) && addPrefixSpace) toks.set(0, toks.get(0).substring(1));
        List<String> sub = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        boolean prevIsSpecial = false;
        for (int i = 0; i < toks.size(); i++) {
            String token = toks.get(i);
            if (allSpecialTokens().contains(token)) {
                if (!prevIsSpecial && i != 0 && legacy) out.append(' ');
                out.append(sp.decodePieces(sub)).append(token);
                prevIsSpecial = true;
                sub.clear();
            } else {
                if (prevIsSpecial && i == 1 && addPrefixSpace && !token.startsWith(SPIECE_UNDERLINE)) out.append(' ');
                sub.add(token);
                prevIsSpecial = false;
            }
        }
        out.append(sp.decodePieces(sub));
        return out.toString();
    }
}
