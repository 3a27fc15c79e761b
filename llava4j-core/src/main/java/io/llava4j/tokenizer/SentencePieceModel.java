package io.llava4j.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (a serialized {@code ModelProto}) that encoding and
 * decoding need: pieces with scores and types, the trainer options and the normalizer options.
 * Field numbers follow sentencepiece_model.proto.
 */
final class SentencePieceModel {
    /** Piece types of {@code ModelProto.SentencePiece.Type}. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /** {@code TrainerSpec.ModelType}. */
    static final int UNIGRAM = 1, BPE = 2, WORD = 3, CHAR = 4;

    final List<String> pieces = new ArrayList<>();
    final List<Float> scores = new ArrayList<>();
    final List<Integer> types = new ArrayList<>();

    int modelType = UNIGRAM;
    boolean byteFallback;
    boolean treatWhitespaceAsSuffix;
    String unkSurface = " \u2047 ";

    String normalizerName = "";
    boolean hasCharsMap;
    boolean addDummyPrefix = true;
    boolean removeExtraWhitespaces = true;
    boolean escapeWhitespaces = true;
    boolean hasDenormalizer;

    private SentencePieceModel() {}

    /**
     * A BPE model from bare pieces (e.g. a GGUF file's tokenizer.ggml.* arrays), checked as {@link #read} checks a
     * file; {@code source} names where the pieces came from in errors.
     */
    static SentencePieceModel of(SentencePieceVocab v, String source) {
        SentencePieceModel m = new SentencePieceModel();
        for (int i = 0; i < v.size(); i++) {
            if (v.pieces().get(i).isEmpty()) throw new TokenizerException(source + ": piece #" + i + " is empty");
        }
        m.pieces.addAll(v.pieces());
        m.scores.addAll(v.scores());
        m.types.addAll(v.types());
        m.modelType = BPE;
        m.byteFallback = v.types().contains(BYTE);
        m.addDummyPrefix = v.addDummyPrefix();
        m.removeExtraWhitespaces = v.removeExtraWhitespaces();
        String problem = m.problem();
        if (problem != null) throw new TokenizerException(source + ": SentencePiece vocabulary cannot be used: " + problem);
        return m;
    }

    /** The pieces, scores, types and normalizer flags, as a GGUF file stores them. */
    SentencePieceVocab vocab() {
        return new SentencePieceVocab(pieces, scores, types, addDummyPrefix, removeExtraWhitespaces);
    }

    /** Reads and checks a tokenizer.model; any problem is a {@link TokenizerException} naming the file. */
    static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
        SentencePieceModel m = new SentencePieceModel();
        try {
            m.parse(new ProtoReader(bytes, 0, bytes.length));
        } catch (IllegalArgumentException e) {
            throw new TokenizerException(file + " is not a valid SentencePiece model: " + e.getMessage(), e);
        }
        String problem = m.problem();
        if (problem != null) throw new TokenizerException(file + " cannot be used: " + problem);
        return m;
    }

    int size() {
        return pieces.size();
    }

    private void parse(ProtoReader r) {
        while (r.next()) {
            switch (r.field()) {
                case 1 -> parsePiece(r.message());
                case 2 -> parseTrainerSpec(r.message());
                case 3 -> parseNormalizerSpec(r.message());
                case 5 -> hasDenormalizer = parseDenormalizer(r.message());
                default -> r.skip();
            }
        }
    }

    private void parsePiece(ProtoReader r) {
        String piece = null;
        float score = 0f;
        int type = NORMAL;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> piece = r.string();
                case 2 -> score = r.fixed32AsFloat();
                case 3 -> type = r.int32();
                default -> r.skip();
            }
        }
        if (piece == null || piece.isEmpty()) throw new IllegalArgumentException("piece #" + pieces.size() + " is empty");
        pieces.add(piece);
        scores.add(score);
        types.add(type);
    }

    private void parseTrainerSpec(ProtoReader r) {
        while (r.next()) {
            switch (r.field()) {
                case 3 -> modelType = r.int32();
                case 24 -> treatWhitespaceAsSuffix = r.bool();
                case 35 -> byteFallback = r.bool();
                case 44 -> unkSurface = r.string();
                default -> r.skip();
            }
        }
    }

    private void parseNormalizerSpec(ProtoReader r) {
        while (r.next()) {
            switch (r.field()) {
                case 1 -> normalizerName = r.string();
                case 2 -> hasCharsMap = r.bytes().length > 0;
                case 3 -> addDummyPrefix = r.bool();
                case 4 -> removeExtraWhitespaces = r.bool();
                case 5 -> escapeWhitespaces = r.bool();
                default -> r.skip();
            }
        }
    }

    /** True when the denormalizer actually rewrites text (it has a character map). */
    private static boolean parseDenormalizer(ProtoReader r) {
        boolean map = false;
        while (r.next()) {
            if (r.field() == 2) map = r.bytes().length > 0;
            else r.skip();
        }
        return map;
    }

    /** Why this model cannot be used by {@link SentencePieceBpe}, or null. */
    private String problem() {
        if (pieces.isEmpty()) return "it has no pieces";
        if (modelType != BPE) {
            return "model type " + modelType + " is not BPE (2); only BPE SentencePiece models (LLaMA, Mistral) are supported";
        }
        if (types.stream().filter(t -> t == UNKNOWN).count() != 1) return "it must have exactly one <unk> (UNKNOWN) piece";
        if (hasCharsMap) {
            return "its normalizer '" + normalizerName + "' has a precompiled character map, which is not supported (only identity normalization)";
        }
        if (hasDenormalizer) return "it has a denormalizer character map, which is not supported";
        if (treatWhitespaceAsSuffix) return "treat_whitespace_as_suffix is not supported";
        for (int i = 0; i < size(); i++) {
            if (types.get(i) == BYTE && SentencePieceBpe.pieceToByte(pieces.get(i)) < 0) return "byte piece '" + pieces.get(i) + "' is invalid";
        }
        long bytePieces = types.stream().filter(t -> t == BYTE).count();
        if (!byteFallback && bytePieces > 0) return "it has byte pieces although byte_fallback is off";
        if (byteFallback && bytePieces != 256) return "byte_fallback is on but it has " + bytePieces + " byte pieces instead of 256";
        return null;
    }
}
