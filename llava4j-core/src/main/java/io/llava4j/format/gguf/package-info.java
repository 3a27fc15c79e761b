/**
 * GGUF, llama.cpp's weight format: {@link io.llava4j.format.gguf.GgufFile} (mapped reader, any ggml type listed,
 * F32/F16/BF16/Q8_0/Q4_0/Q4_K/Q5_0/Q5_1/Q5_K/Q6_K readable with no conversion since the blocks are ggml's),
 * {@link io.llava4j.format.gguf.GgufWriter} (atomic writer) and {@link io.llava4j.format.gguf.LlavaGguf} (a LLaVA-1.5
 * text model + mmproj pair served under the Hugging Face names, and written from a HF folder). A model folder whose
 * weights are .gguf files (config.json and tokenizer files beside them) loads through
 * {@link io.llava4j.format.Checkpoints#open}. Tokenizer metadata ({@code tokenizer.ggml.*}) is a later step.
 */
package io.llava4j.format.gguf;
