package io.llava4j.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Loads the tokenizer of a model folder.
 *
 * <p>{@link Source#AUTO} picks, in order:
 * <ol>
 *   <li>{@code tokenizer.model} (SentencePiece) as transformers' slow {@code LlamaTokenizer} (LLaMA-2, Vicuna,
 *       Mistral; pure Java);</li>
 *   <li>{@code vocab.json} + {@code merges.txt} as the slow {@code Qwen2Tokenizer} (pure Java);</li>
 *   <li>{@code tokenizer.json} through Hugging Face tokenizers (DJL, native), for anything else.</li>
 * </ol>
 * The slow tokenizers come first because they reproduce transformers' slow classes exactly (the
 * ones the original LLaVA code uses, {@code use_fast=False}) and need no native library; a
 * {@code tokenizer_class} in tokenizer_config.json that they do not implement sends the folder to
 * {@code tokenizer.json}. The side files (tokenizer_config.json, special_tokens_map.json, added_tokens.json)
 * are read in every case.
 */
public final class Tokenizers {
    static final String SENTENCEPIECE = "tokenizer.model";
    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";
    static final String TOKENIZER_JSON = "tokenizer.json";

    private static final Set<String> LLAMA_CLASSES = Set.of("", "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast");
    private static final Set<String> QWEN2_CLASSES = Set.of("", "Qwen2Tokenizer", "Qwen2TokenizerFast");

    /** Which tokenizer file to use. */
    public enum Source { AUTO, SENTENCEPIECE, BPE_VOCAB_MERGES, TOKENIZER_JSON }

    private Tokenizers() {}

    /** The tokenizer of {@code modelDir}, chosen as described in the class comment. */
    public static TextTokenizer load(Path modelDir) {
        return load(modelDir, Source.AUTO);
    }

    /** The tokenizer of {@code modelDir} from the given kind of file. */
    public static TextTokenizer load(Path modelDir, Source source) {
        if (!Files.isDirectory(modelDir)) throw new TokenizerException("tokenizer folder " + modelDir + " does not exist or is not a folder");
        TokenizerConfig cfg = TokenizerConfig.read(modelDir);
        Path sp = modelDir.resolve(SENTENCEPIECE);
        Path vocab = modelDir.resolve(VOCAB);
        Path merges = modelDir.resolve(MERGES);
        Path json = modelDir.resolve(TOKENIZER_JSON);
        String cls = cfg.tokenizerClass();
        return switch (source) {
            case SENTENCEPIECE -> LlamaTokenizer.load(require(sp), cfg, null);
            case BPE_VOCAB_MERGES -> Qwen2Tokenizer.load(require(vocab), require(merges), cfg);
            case TOKENIZER_JSON -> HfJsonTokenizer.load(require(json), cfg);
            case AUTO -> {
                if (Files.exists(sp) && LLAMA_CLASSES.contains(cls)) yield LlamaTokenizer.load(sp, cfg, null);
                if (Files.exists(vocab) && Files.exists(merges) && QWEN2_CLASSES.contains(cls)) yield Qwen2Tokenizer.load(vocab, merges, cfg);
                if (Files.exists(json)) yield HfJsonTokenizer.load(json, cfg);
                if (Files.exists(vocab) && !Files.exists(merges) && !Files.exists(sp)) {
                    throw new TokenizerException("found " + vocab + " but no " + MERGES + " beside it (and no tokenizer.json)");
                }
                if (Files.exists(sp) || Files.exists(vocab)) {
                    throw new TokenizerException("tokenizer_class '" + cls + "' in " + modelDir.resolve(TokenizerConfig.CONFIG)
                            + " is not supported without a tokenizer.json (supported: LlamaTokenizer, Qwen2Tokenizer)");
                }
                throw new TokenizerException("no tokenizer file in " + modelDir
                        + " (expected tokenizer.model, vocab.json + merges.txt, or tokenizer.json)");
            }
        };
    }

    /**
     * transformers' slow LlamaTokenizer over a SentencePiece vocabulary given as pieces (e.g. from a GGUF file) and a
     * tokenizer_config.json given as a node (roles, added_tokens_decoder, legacy, add_bos_token, ...); {@code source}
     * names the origin in errors.
     */
    public static TextTokenizer sentencePiece(SentencePieceVocab vocab, com.fasterxml.jackson.databind.JsonNode tokenizerConfig, String source) {
        return LlamaTokenizer.create(SentencePieceModel.of(vocab, source), TokenizerConfig.of(tokenizerConfig), null);
    }

    /** The pieces of a folder's SentencePiece {@code tokenizer.model} (to write them elsewhere, e.g. into GGUF). */
    public static SentencePieceVocab sentencePieceVocab(Path modelDir) {
        return SentencePieceModel.read(require(modelDir.resolve(SENTENCEPIECE))).vocab();
    }

    private static Path require(Path file) {
        if (!Files.isRegularFile(file)) throw new TokenizerException("tokenizer file " + file + " does not exist");
        return file;
    }
}
