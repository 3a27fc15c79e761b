package io.llava4j.train.llava;

import java.util.List;

/**
 * What a LLaVA training run trains, as the seeds' stages:
 * <ul>
 *   <li>stage 1 ({@code --tune_mm_mlp_adapter}): the projector only;</li>
 *   <li>stage 2: the projector and the whole language model ({@link #fullLm}), or the projector and LoRA adapters on
 *       the language model's linear layers ({@link #lora}, {@code --lora_enable});</li>
 *   <li>{@link #trainVisionTower}: the CLIP tower too (the seeds keep it frozen; LLaVA-OneVision and the bundled demo
 *       model train it).</li>
 * </ul>
 *
 * @param trainProjector  the projector's weights are trainable (false = {@code --freeze_mm_mlp_adapter})
 * @param recompute       recompute each decoder layer's activations in the backward pass (bounded memory)
 * @param modelMaxLength  sequences are cut to this many rows after the image features are spliced in
 *                        ({@code tokenizer_model_max_length} upstream)
 * @param cacheFeatures   keep a frozen tower's features per image (same image, same features)
 */
public record TrainSetup(boolean trainProjector, Lora lora, boolean fullLm, boolean trainVisionTower, boolean recompute,
                         int modelMaxLength, boolean cacheFeatures) {

    /** LoRA on the language model: rank, alpha (scaling alpha / r), dropout, target module names. */
    public record Lora(int r, double alpha, float dropout, List<String> targets) {
        public static final List<String> ALL_LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

        public Lora {
            if (r < 1) throw new IllegalArgumentException("lora_r must be positive, got " + r);
            if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
            for (String t : targets) if (!ALL_LINEAR.contains(t)) throw new IllegalArgumentException("LoRA target '" + t + "' is not one of " + ALL_LINEAR);
            targets = List.copyOf(targets);
        }

        public float scaling() { return (float) (alpha / r); }
    }

    public TrainSetup {
        if (lora != null && fullLm) throw new IllegalArgumentException("LoRA and full fine-tuning of the language model exclude each other");
        if (modelMaxLength < 2) throw new IllegalArgumentException("model_max_length must be at least 2");
    }

    /** Stage 1: projector only. */
    public static TrainSetup stage1(int modelMaxLength) { return new TrainSetup(true, null, false, false, true, modelMaxLength, true); }

    /** Stage 2 with LoRA on every linear layer of the language model (q,k,v,o,gate,up,down) plus the projector. */
    public static TrainSetup stage2Lora(int r, double alpha, float dropout, int modelMaxLength) {
        return new TrainSetup(true, new Lora(r, alpha, dropout, Lora.ALL_LINEAR), false, false, true, modelMaxLength, true);
    }

    /** Stage 2, full fine-tuning: projector + the whole language model. */
    public static TrainSetup stage2Full(int modelMaxLength) { return new TrainSetup(true, null, true, false, true, modelMaxLength, true); }

    public TrainSetup withVisionTower(boolean train) {
        return new TrainSetup(trainProjector, lora, fullLm, train, recompute, modelMaxLength, cacheFeatures && !train);
    }

    public TrainSetup withRecompute(boolean r) {
        return new TrainSetup(trainProjector, lora, fullLm, trainVisionTower, r, modelMaxLength, cacheFeatures);
    }

    public TrainSetup withProjector(boolean train) {
        return new TrainSetup(train, lora, fullLm, trainVisionTower, recompute, modelMaxLength, cacheFeatures);
    }
}
