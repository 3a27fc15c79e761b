/**
 * Tokenizers with the exact results of transformers 4.47's slow tokenizers.
 *
 * <ul>
 *   <li>{@link io.llava4j.tokenizer.Tokenizers#load} picks the implementation for a model folder;</li>
 *   <li>{@code tokenizer.model}: pure-Java SentencePiece BPE ({@code SentencePieceBpe}) under the
 *       {@code LlamaTokenizer} rules (legacy / non-legacy, add_bos_token, decode spacing);</li>
 *   <li>{@code vocab.json} + {@code merges.txt}: pure-Java byte-level BPE under the {@code Qwen2Tokenizer}
 *       rules (NFC, Qwen2 pre-tokenizer regex);</li>
 *   <li>{@code tokenizer.json} only: Hugging Face tokenizers through DJL (native, bundled);</li>
 *   <li>{@link io.llava4j.tokenizer.StreamingDecoder}: text deltas during generation;</li>
 *   <li>{@link io.llava4j.tokenizer.ImagePlaceholders}: the original LLaVA chunked prompt encoding (-200).</li>
 * </ul>
 */
package io.llava4j.tokenizer;
