package io.llava4j.tokenizer;

import java.util.List;

/**
 * The pieces of a SentencePiece BPE model without its protobuf file: what a GGUF file carries as
 * {@code tokenizer.ggml.tokens / scores / token_type} (+ {@code add_space_prefix}, {@code remove_extra_whitespaces}).
 * Types are SentencePiece's (NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6; llama.cpp uses the same
 * numbers). Byte fallback is on when the vocabulary has byte pieces ({@code <0x00>..<0xFF>}).
 *
 * @param addDummyPrefix         the normalizer's add_dummy_prefix ("▁" in front of the text)
 * @param removeExtraWhitespaces the normalizer's remove_extra_whitespaces (LLaMA: false)
 */
public record SentencePieceVocab(List<String> pieces, List<Float> scores, List<Integer> types,
                                 boolean addDummyPrefix, boolean removeExtraWhitespaces) {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    public SentencePieceVocab {
        pieces = List.copyOf(pieces);
        scores = List.copyOf(scores);
        types = List.copyOf(types);
        if (pieces.size() != scores.size() || pieces.size() != types.size()) {
            throw new TokenizerException("SentencePiece vocabulary: " + pieces.size() + " pieces, " + scores.size() + " scores, " + types.size() + " types");
        }
    }

    public int size() { return pieces.size(); }
}
