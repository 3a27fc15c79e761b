package io.llava4j.train.bench;

import io.llava4j.format.SafetensorsWriter;
import io.llava4j.kernels.Parallel;
import io.llava4j.tensor.Tensor;
import io.llava4j.train.Param;
import io.llava4j.train.data.Example;
import io.llava4j.train.llava.LlavaTrainModel;
import io.llava4j.train.llava.TrainSetup;
import io.llava4j.train.optim.AdamW;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Training throughput on a random HF-layout LLaVA of demo-model size (not a test): prints tokens/s and ms per sample
 * for the setups. Usage: TrainBench [threads] [steps] [hidden] [layers] [visionHidden] [visionLayers] [image] [patch] [vocab]
 */
public final class TrainBench {
    public static void main(String[] a) throws Exception {
        int threads = a.length > 0 ? Integer.parseInt(a[0]) : 2, steps = a.length > 1 ? Integer.parseInt(a[1]) : 10;
        int h = arg(a, 2, 256), L = arg(a, 3, 4), vh = arg(a, 4, 192), vl = arg(a, 5, 4), img = arg(a, 6, 64), patch = arg(a, 7, 8), vocab = arg(a, 8, 512);
        Parallel.setThreads(threads);
        Path dir = Files.createTempDirectory("trainbench");
        write(dir, h, L, vh, vl, img, patch, vocab);
        Random r = new Random(1);
        List<Example> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int pre = 35, post = 40;
            int[] ids = new int[pre + 1 + post], labels = new int[ids.length];
            for (int t = 0; t < ids.length; t++) { ids[t] = 3 + r.nextInt(vocab - 3); labels[t] = t > pre + 25 ? ids[t] : -100; }
            ids[pre] = -200; labels[pre] = -100;
            float[] px = new float[3 * img * img];
            for (int k = 0; k < px.length; k++) px[k] = (float) r.nextGaussian();
            batch.add(new Example("s" + i, ids, labels, List.of(px), List.of("img" + i)));
        }
        for (String name : System.getProperty("setups", "stage1,lora,full,full+tower").split(",")) {
            TrainSetup s = switch (name) {
                case "stage1" -> TrainSetup.stage1(2048);
                case "lora" -> TrainSetup.stage2Lora(8, 16, 0.05f, 2048);
                case "full" -> TrainSetup.stage2Full(2048);
                default -> TrainSetup.stage2Full(2048).withVisionTower(true);
            };
            try (LlavaTrainModel m = LlavaTrainModel.load(dir, s)) {
                AdamW opt = AdamW.withDefaults(m.params(), 0f);
                int tokens = m.tokens(batch);
                long best = Long.MAX_VALUE;
                for (int k = 0; k < steps; k++) {
                    long t0 = System.nanoTime();
                    m.forwardBackward(batch, 1f);
                    opt.step(1e-4, Map.of());
                    m.params().forEach(Param::zeroGrad);
                    long dt = System.nanoTime() - t0;
                    if (k >= steps / 2) best = Math.min(best, dt);
                }
                long params = 0;
                for (Param p : m.params()) params += p.size();
                System.out.printf("%-11s threads %d: %d samples, %d tokens/step, best %.1f ms/step = %.0f tokens/s (%.1f ms/sample), %.2fM trainable%n",
                        name, threads, batch.size(), tokens, best / 1e6, tokens / (best / 1e9), best / 1e6 / batch.size(), params / 1e6);
            }
        }
    }

    static int arg(String[] a, int i, int d) { return a.length > i ? Integer.parseInt(a[i]) : d; }

    static void write(Path dir, int h, int L, int vh, int vl, int img, int patch, int vocab) throws Exception {
        int heads = Math.max(1, h / 64), inter = h * 8 / 3 / 16 * 16, vheads = Math.max(1, vh / 64), vinter = vh * 4;
        String cfg = """
                {"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava", "image_token_index": %d,
                 "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "projector_hidden_act": "gelu",
                 "text_config": {"model_type": "llama", "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": %d,
                   "num_attention_heads": %d, "num_key_value_heads": %d, "vocab_size": %d, "rms_norm_eps": 1e-5, "max_position_embeddings": 2048},
                 "vision_config": {"model_type": "clip_vision_model", "hidden_size": %d, "intermediate_size": %d, "num_attention_heads": %d,
                   "num_hidden_layers": %d, "image_size": %d, "patch_size": %d, "hidden_act": "quick_gelu"}}
                """.formatted(vocab - 1, h, inter, L, heads, heads, vocab, vh, vinter, vheads, vl, img, patch);
        Files.writeString(dir.resolve("config.json"), cfg);
        Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"crop_size": {"height": %d, "width": %d}, "do_center_crop": true, "do_normalize": true, "do_rescale": true, "do_resize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3,
                 "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": %d}}""".formatted(img, img, img));
        Path tok = io.llava4j.train.testing.TrainFixtures.dir("llava-1.5-tiny");
        for (String f : new String[] {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"})
            if (Files.exists(tok.resolve(f))) Files.copy(tok.resolve(f), dir.resolve(f));
        Random r = new Random(7);
        Map<String, Tensor> w = new LinkedHashMap<>();
        String lm = "language_model.model.";
        put(w, r, lm + "embed_tokens.weight", 0.02f, vocab, h);
        for (int l = 0; l < L; l++) {
            String p = lm + "layers." + l + ".";
            ones(w, p + "input_layernorm.weight", h);
            ones(w, p + "post_attention_layernorm.weight", h);
            for (String m : new String[] {"q", "k", "v", "o"}) put(w, r, p + "self_attn." + m + "_proj.weight", 0.02f, h, h);
            put(w, r, p + "mlp.gate_proj.weight", 0.02f, inter, h);
            put(w, r, p + "mlp.up_proj.weight", 0.02f, inter, h);
            put(w, r, p + "mlp.down_proj.weight", 0.02f, h, inter);
        }
        ones(w, lm + "norm.weight", h);
        put(w, r, "language_model.lm_head.weight", 0.02f, vocab, h);
        put(w, r, "multi_modal_projector.linear_1.weight", 0.02f, h, vh);
        put(w, r, "multi_modal_projector.linear_1.bias", 0f, h);
        put(w, r, "multi_modal_projector.linear_2.weight", 0.02f, h, h);
        put(w, r, "multi_modal_projector.linear_2.bias", 0f, h);
        String v = "vision_tower.vision_model.";
        put(w, r, v + "embeddings.patch_embedding.weight", 0.02f, vh, 3, patch, patch);
        put(w, r, v + "embeddings.class_embedding", 0.02f, vh);
        put(w, r, v + "embeddings.position_embedding.weight", 0.02f, (img / patch) * (img / patch) + 1, vh);
        ones(w, v + "pre_layrnorm.weight", vh);
        put(w, r, v + "pre_layrnorm.bias", 0f, vh);
        for (int l = 0; l < vl; l++) {
            String p = v + "encoder.layers." + l + ".";
            ones(w, p + "layer_norm1.weight", vh);
            put(w, r, p + "layer_norm1.bias", 0f, vh);
            ones(w, p + "layer_norm2.weight", vh);
            put(w, r, p + "layer_norm2.bias", 0f, vh);
            for (String m : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                put(w, r, p + "self_attn." + m + ".weight", 0.02f, vh, vh);
                put(w, r, p + "self_attn." + m + ".bias", 0f, vh);
            }
            put(w, r, p + "mlp.fc1.weight", 0.02f, vinter, vh);
            put(w, r, p + "mlp.fc1.bias", 0f, vinter);
            put(w, r, p + "mlp.fc2.weight", 0.02f, vh, vinter);
            put(w, r, p + "mlp.fc2.bias", 0f, vh);
        }
        ones(w, v + "post_layernorm.weight", vh);
        put(w, r, v + "post_layernorm.bias", 0f, vh);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), w, Map.of("format", "pt"));
    }

    static void put(Map<String, Tensor> w, Random r, String name, float std, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * std);
        w.put(name, Tensor.ofFloats(name, v, shape));
    }

    static void ones(Map<String, Tensor> w, String name, long n) {
        float[] v = new float[(int) n];
        java.util.Arrays.fill(v, 1f);
        w.put(name, Tensor.ofFloats(name, v, n));
    }
}
