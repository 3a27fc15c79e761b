package io.llava4j.tokenizer;

import java.util.OptionalInt;

/**
 * Text to token ids and back, with the same results as the Hugging Face tokenizer of the model.
 *
 * <p>Implementations are immutable and safe to share between threads. Get one with
 * {@link Tokenizers#load(java.nio.file.Path)}.
 */
public interface TextTokenizer {

    /**
     * Same as {@code tokenizer(text, add_special_tokens=addSpecialTokens).input_ids} in transformers.
     * Added and special tokens written in the text (e.g. {@code <image>}, {@code </s>}) become their ids.
     * Any chunk of a prompt can be encoded on its own (LLaVA encodes the text around {@code <image>}
     * chunk by chunk).
     */
    int[] encode(String text, boolean addSpecialTokens);

    /**
     * Same as {@code tokenizer.decode(ids, skip_special_tokens=skipSpecialTokens)} in transformers.
     * Ids outside the vocabulary (e.g. rows of a padded embedding) are left out, as fast tokenizers do.
     */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** The vocabulary entry of an id, as {@code convert_ids_to_tokens}; throws for ids outside the vocabulary. */
    String token(int id);

    /** The id of a vocabulary entry or added token, if there is one. */
    OptionalInt tokenId(String token);

    /** Number of ids, added tokens included ({@code len(tokenizer)}). */
    int vocabSize();

    OptionalInt bosId();

    OptionalInt eosId();

    OptionalInt padId();

    OptionalInt unkId();

    /** Whether the id is one of the special tokens (those {@code skip_special_tokens} removes). */
    boolean isSpecial(int id);

    /** An incremental decoder for generation; see {@link StreamingDecoder}. */
    StreamingDecoder streamingDecoder(boolean skipSpecialTokens);
}
