package io.llava4j.train.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.bench.RandomLlavaCheckpoint;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the demo model as a Hugging Face {@code llava} folder (LlavaForConditionalGeneration layout) with randomly
 * initialised F32 weights, the starting point of the demo's training:
 * config.json (CLIP vision config, LLaMA text config, vision_feature_layer -2, gelu projector), generation_config.json,
 * preprocessor_config.json (CLIPImageProcessor at the model's size), processor_config.json, the demo tokenizer
 * ({@link DemoTokenizer}), chat_template.json (vicuna v1, {@link DemoChatFormat}) and model.safetensors.
 *
 * <p>Initialisation as transformers' LlavaPreTrainedModel: every Linear / Conv2d weight, embedding table and the CLS
 * embedding N(0, 0.02); biases 0; LayerNorm and RMSNorm weights 1. Each tensor draws from its own stream seeded by
 * (seed, name), so the values do not depend on the order of tensors.
 */
public final class DemoModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final double INIT_STD = 0.02;

    private DemoModel() {}

    /** Trains the demo tokenizer on the generator's texts (fixed corpus: 2000 scenes of seed 0). */
    public static DemoTokenizer.Built defaultTokenizer() {
        return DemoTokenizer.train(DemoTokenizer.corpus(0, 2000), 2000);
    }

    public static void write(Path out, DemoModelSpec spec, long seed) throws IOException {
        write(out, spec, defaultTokenizer(), seed);
    }

    public static void write(Path out, DemoModelSpec spec, DemoTokenizer.Built tok, long seed) throws IOException {
        Files.createDirectories(out);
        DemoTokenizer.write(out, tok);
        int vocab = tok.vocabSize();
        writeConfigs(out, spec, tok);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : RandomLlavaCheckpoint.tensorShapes(spec.shape(vocab)).entrySet()) {
            tensors.put(e.getKey(), Tensor.ofFloats(e.getKey(), init(e.getKey(), e.getValue(), seed), e.getValue()));
        }
        SafetensorsWriter.write(out.resolve("model.safetensors"), tensors, Map.of("format", "pt", "llava4j", "demo model, random init seed " + seed));
    }

    /** The initial values of one tensor (see the class comment). */
    static float[] init(String name, long[] shape, long seed) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[Math.toIntExact(n)];
        if (name.endsWith(".bias")) return v;
        if (name.contains("norm") || name.contains("layrnorm")) {
            java.util.Arrays.fill(v, 1f);
            return v;
        }
        SplittableRandom rnd = new SplittableRandom(DemoDataset.mix64(seed ^ DemoDataset.mix64(name.hashCode())));
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * INIT_STD);
        return v;
    }

    private static void writeConfigs(Path out, DemoModelSpec s, DemoTokenizer.Built tok) throws IOException {
        int vocab = tok.vocabSize();
        ObjectNode cfg = JSON.createObjectNode();
        cfg.putArray("architectures").add("LlavaForConditionalGeneration");
        cfg.put("ignore_index", -100).put("image_seq_length", s.imageTokens()).put("image_token_index", tok.imageId())
                .put("model_type", "llava").put("pad_token_id", tok.padId()).put("projector_hidden_act", "gelu");
        ObjectNode text = cfg.putObject("text_config");
        text.put("bos_token_id", 1).put("eos_token_id", 2).put("head_dim", s.hidden() / s.heads()).put("hidden_act", "silu")
                .put("hidden_size", s.hidden()).put("initializer_range", INIT_STD).put("intermediate_size", s.ffn())
                .put("max_position_embeddings", s.maxPositions()).put("model_type", "llama")
                .put("num_attention_heads", s.heads()).put("num_hidden_layers", s.layers()).put("num_key_value_heads", s.heads())
                .put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0).put("tie_word_embeddings", false).put("vocab_size", vocab);
        cfg.put("tie_word_embeddings", false).put("torch_dtype", "float32").put("transformers_version", "4.47.0");
        ObjectNode vision = cfg.putObject("vision_config");
        vision.put("hidden_act", "quick_gelu").put("hidden_size", s.visionHidden()).put("image_size", s.imageSize())
                .put("initializer_range", INIT_STD).put("intermediate_size", s.visionFfn()).put("layer_norm_eps", 1e-5)
                .put("model_type", "clip_vision_model").put("num_attention_heads", s.visionHeads())
                .put("num_hidden_layers", s.visionLayers()).put("patch_size", s.patch()).put("projection_dim", s.hidden());
        cfg.put("vision_feature_layer", -2).put("vision_feature_select_strategy", "default");
        pretty(out.resolve("config.json"), cfg);

        pretty(out.resolve("generation_config.json"), JSON.createObjectNode().put("bos_token_id", 1).put("eos_token_id", 2)
                .put("pad_token_id", tok.padId()).put("transformers_version", "4.47.0"));

        ObjectNode pre = JSON.createObjectNode();
        pre.putObject("crop_size").put("height", s.imageSize()).put("width", s.imageSize());
        pre.put("do_center_crop", true).put("do_convert_rgb", true).put("do_normalize", true).put("do_rescale", true).put("do_resize", true);
        pre.putArray("image_mean").add(0.48145466).add(0.4578275).add(0.40821073);
        pre.put("image_processor_type", "CLIPImageProcessor");
        pre.putArray("image_std").add(0.26862954).add(0.26130258).add(0.27577711);
        pre.put("processor_class", "LlavaProcessor").put("resample", 3).put("rescale_factor", 1 / 255.0);
        pre.putObject("size").put("shortest_edge", s.imageSize());
        pretty(out.resolve("preprocessor_config.json"), pre);

        pretty(out.resolve("processor_config.json"), JSON.createObjectNode().put("image_token", DemoTokenizer.IMAGE)
                .put("num_additional_image_tokens", 1).put("patch_size", s.patch()).put("processor_class", "LlavaProcessor")
                .put("vision_feature_select_strategy", "default"));

        pretty(out.resolve("chat_template.json"), JSON.createObjectNode().put("chat_template", DemoChatFormat.JINJA));
    }

    private static void pretty(Path file, ObjectNode node) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
    }
}
