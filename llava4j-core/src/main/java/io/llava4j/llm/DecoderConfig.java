package io.llava4j.llm;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;

/**
 * Decoder-only language model hyper-parameters for the LLaMA family (LLaMA/Vicuna, Mistral, Qwen2).
 * Missing fields take the defaults of the HF config class of {@code modelType}.
 *
 * @param attentionBias q/k/v projections carry biases (Qwen2)
 * @param slidingWindow attention window in tokens, 0 = none (Mistral)
 */
public record DecoderConfig(String modelType, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                            int numKvHeads, int headDim, float rmsNormEps, double ropeTheta, int vocabSize,
                            int maxPositions, boolean attentionBias, boolean tieWordEmbeddings, int slidingWindow,
                            String hiddenAct) {

    public DecoderConfig {
        if (numHeads % numKvHeads != 0) throw new ConfigException("num_attention_heads " + numHeads
                + " is not a multiple of num_key_value_heads " + numKvHeads);
        if (!hiddenAct.equals("silu") && !hiddenAct.equals("swish")) throw new ConfigException(
                "text hidden_act '" + hiddenAct + "' is not supported (only silu)");
    }

    public int qDim() { return numHeads * headDim; }
    public int kvDim() { return numKvHeads * headDim; }

    public DecoderConfig withVocabSize(int v) {
        return new DecoderConfig(modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, v, maxPositions, attentionBias, tieWordEmbeddings, slidingWindow, hiddenAct);
    }

    /** From an HF text_config (or a flat LlamaConfig-style config.json). */
    public static DecoderConfig fromJson(JsonNode n, String defaultType) {
        String type = Json.stringField(n, "model_type", defaultType);
        // Defaults of LlamaConfig / MistralConfig / Qwen2Config (transformers 4.47).
        int dHidden, dInter, dLayers, dHeads, dVocab, dMaxPos;
        double dTheta;
        float dEps;
        boolean dBias, dTie;
        int dWindow;
        switch (type) {
            case "llama", "llava_llama" -> { dHidden = 4096; dInter = 11008; dLayers = 32; dHeads = 32; dVocab = 32000; dMaxPos = 2048; dTheta = 10000; dEps = 1e-6f; dBias = false; dTie = false; dWindow = 0; }
            case "mistral", "llava_mistral" -> { dHidden = 4096; dInter = 14336; dLayers = 32; dHeads = 32; dVocab = 32000; dMaxPos = 4096 * 32; dTheta = 10000; dEps = 1e-6f; dBias = false; dTie = false; dWindow = 4096; }
            case "qwen2", "llava_qwen" -> { dHidden = 4096; dInter = 22016; dLayers = 32; dHeads = 32; dVocab = 151936; dMaxPos = 32768; dTheta = 10000; dEps = 1e-6f; dBias = true; dTie = false; dWindow = 0; }
            default -> throw new ConfigException("text model_type '" + type + "' is not supported (supported: llama, mistral, qwen2)");
        }
        int hidden = Json.intField(n, "hidden_size", dHidden, 1, 1 << 17);
        int heads = Json.intField(n, "num_attention_heads", dHeads, 1, 4096);
        int kv = Json.intField(n, "num_key_value_heads", heads, 1, 4096);
        int headDim = Json.intField(n, "head_dim", hidden / heads, 1, 4096);
        boolean bias = type.startsWith("qwen") || type.equals("llava_qwen") ? true : Json.boolField(n, "attention_bias", dBias);
        int window = 0;
        if (dWindow > 0 || n.has("sliding_window")) {
            boolean useWindow = !type.startsWith("qwen") || Json.boolField(n, "use_sliding_window", false);
            boolean explicitNull = n.has("sliding_window") && n.get("sliding_window").isNull();
            window = useWindow && !explicitNull ? Json.intField(n, "sliding_window", dWindow, 0, Integer.MAX_VALUE) : 0;
        }
        return new DecoderConfig(type, hidden,
                Json.intField(n, "intermediate_size", dInter, 1, 1 << 20),
                Json.intField(n, "num_hidden_layers", dLayers, 1, 1024),
                heads, kv, headDim,
                (float) Json.doubleField(n, "rms_norm_eps", dEps, 0, 1),
                Json.doubleField(n, "rope_theta", dTheta, 1, 1e12),
                Json.intField(n, "vocab_size", dVocab, 1, 1 << 24),
                Json.intField(n, "max_position_embeddings", dMaxPos, 1, Integer.MAX_VALUE),
                bias,
                Json.boolField(n, "tie_word_embeddings", dTie),
                window,
                Json.stringField(n, "hidden_act", "silu"));
    }
}
