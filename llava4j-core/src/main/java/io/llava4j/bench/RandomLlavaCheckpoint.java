package io.llava4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Writes a LLaVA-1.5 checkpoint (HF {@code llava-hf} layout, F16 safetensors) of real shapes with random weights,
 * for benchmarks: speed does not depend on trained values, and real weights cannot be downloaded here. The
 * tokenizer, chat template and processor files are copied from a template model folder (any LLaVA-1.5 HF folder,
 * e.g. the tiny fixture, whose tokenizer is LLaMA's); config.json gets the chosen shapes. The weights file is
 * streamed tensor by tensor (a 7B model never sits in memory) and moved into place only when complete.
 *
 * <p>Values: N(0, 0.02)-like (sum of uniforms) for matrices and embeddings as in HF's init, 1 for norm weights,
 * 0 for biases, so activations stay finite and no denormals slow the kernels.
 */
public final class RandomLlavaCheckpoint {

    /** Shapes of the language model and the CLIP tower. */
    public record Shape(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab,
                        int vHidden, int vLayers, int vHeads, int vFfn, int imageSize, int patch) {

        public static Shape named(String name) {
            return switch (name) {
                case "llava-1.5-7b" -> new Shape(4096, 32, 32, 32, 11008, 32064, 1024, 24, 16, 4096, 336, 14);
                case "llava-1.5-13b" -> new Shape(5120, 40, 40, 40, 13824, 32064, 1024, 24, 16, 4096, 336, 14);
                default -> throw new IllegalArgumentException("unknown shape '" + name + "' (llava-1.5-7b, llava-1.5-13b)");
            };
        }

        int patches() { return (imageSize / patch) * (imageSize / patch); }
    }

    private RandomLlavaCheckpoint() {}

    /** Tensor names and shapes in file order, as transformers saves LlavaForConditionalGeneration. */
    public static Map<String, long[]> tensorShapes(Shape s) {
        Map<String, long[]> m = new LinkedHashMap<>();
        String v = "vision_tower.vision_model.";
        m.put(v + "embeddings.class_embedding", new long[]{s.vHidden});
        m.put(v + "embeddings.patch_embedding.weight", new long[]{s.vHidden, 3, s.patch, s.patch});
        m.put(v + "embeddings.position_embedding.weight", new long[]{s.patches() + 1, s.vHidden});
        m.put(v + "pre_layrnorm.weight", new long[]{s.vHidden});
        m.put(v + "pre_layrnorm.bias", new long[]{s.vHidden});
        for (int i = 0; i < s.vLayers; i++) {
            String p = v + "encoder.layers." + i + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                m.put(p + "self_attn." + proj + ".weight", new long[]{s.vHidden, s.vHidden});
                m.put(p + "self_attn." + proj + ".bias", new long[]{s.vHidden});
            }
            m.put(p + "layer_norm1.weight", new long[]{s.vHidden});
            m.put(p + "layer_norm1.bias", new long[]{s.vHidden});
            m.put(p + "mlp.fc1.weight", new long[]{s.vFfn, s.vHidden});
            m.put(p + "mlp.fc1.bias", new long[]{s.vFfn});
            m.put(p + "mlp.fc2.weight", new long[]{s.vHidden, s.vFfn});
            m.put(p + "mlp.fc2.bias", new long[]{s.vHidden});
            m.put(p + "layer_norm2.weight", new long[]{s.vHidden});
            m.put(p + "layer_norm2.bias", new long[]{s.vHidden});
        }
        m.put(v + "post_layernorm.weight", new long[]{s.vHidden});
        m.put(v + "post_layernorm.bias", new long[]{s.vHidden});
        m.put("multi_modal_projector.linear_1.weight", new long[]{s.hidden, s.vHidden});
        m.put("multi_modal_projector.linear_1.bias", new long[]{s.hidden});
        m.put("multi_modal_projector.linear_2.weight", new long[]{s.hidden, s.hidden});
        m.put("multi_modal_projector.linear_2.bias", new long[]{s.hidden});
        String l = "language_model.model.";
        int headDim = s.hidden / s.heads;
        m.put(l + "embed_tokens.weight", new long[]{s.vocab, s.hidden});
        for (int i = 0; i < s.layers; i++) {
            String p = l + "layers." + i + ".";
            m.put(p + "self_attn.q_proj.weight", new long[]{s.hidden, s.hidden});
            m.put(p + "self_attn.k_proj.weight", new long[]{(long) s.kvHeads * headDim, s.hidden});
            m.put(p + "self_attn.v_proj.weight", new long[]{(long) s.kvHeads * headDim, s.hidden});
            m.put(p + "self_attn.o_proj.weight", new long[]{s.hidden, s.hidden});
            m.put(p + "mlp.gate_proj.weight", new long[]{s.ffn, s.hidden});
            m.put(p + "mlp.up_proj.weight", new long[]{s.ffn, s.hidden});
            m.put(p + "mlp.down_proj.weight", new long[]{s.hidden, s.ffn});
            m.put(p + "input_layernorm.weight", new long[]{s.hidden});
            m.put(p + "post_attention_layernorm.weight", new long[]{s.hidden});
        }
        m.put(l + "norm.weight", new long[]{s.hidden});
        m.put("language_model.lm_head.weight", new long[]{s.vocab, s.hidden});
        return m;
    }

    /**
     * Writes {@code out} (created; must not hold a model.safetensors already).
     * @param progress called with the bytes of weights written so far (may be null)
     */
    public static void write(Path out, Shape s, Path template, long seed, LongConsumer progress) throws IOException {
        if (!Files.isRegularFile(template.resolve("config.json"))) throw new IOException("template " + template + " has no config.json");
        Files.createDirectories(out);
        if (Files.exists(out.resolve("model.safetensors"))) throw new IOException(out.resolve("model.safetensors") + " already exists");
        for (String f : List.of("tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                "chat_template.json", "generation_config.json", "processor_config.json")) {
            if (Files.exists(template.resolve(f))) Files.copy(template.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        ObjectMapper om = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) om.readTree(template.resolve("config.json").toFile());
        cfg.put("image_seq_length", s.patches());
        ObjectNode t = (ObjectNode) cfg.get("text_config");
        t.put("hidden_size", s.hidden).put("num_hidden_layers", s.layers).put("num_attention_heads", s.heads)
                .put("num_key_value_heads", s.kvHeads).put("intermediate_size", s.ffn).put("vocab_size", s.vocab)
                .put("head_dim", s.hidden / s.heads);
        ObjectNode vc = (ObjectNode) cfg.get("vision_config");
        vc.put("hidden_size", s.vHidden).put("num_hidden_layers", s.vLayers).put("num_attention_heads", s.vHeads)
                .put("intermediate_size", s.vFfn).put("image_size", s.imageSize).put("patch_size", s.patch).put("projection_dim", 768);
        om.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), cfg);
        ObjectNode pre = (ObjectNode) om.readTree(template.resolve("preprocessor_config.json").toFile());
        pre.putObject("size").put("shortest_edge", s.imageSize);
        pre.putObject("crop_size").put("height", s.imageSize).put("width", s.imageSize);
        om.writerWithDefaultPrettyPrinter().writeValue(out.resolve("preprocessor_config.json").toFile(), pre);
        writeWeights(out.resolve("model.safetensors"), tensorShapes(s), seed, progress);
    }

    static void writeWeights(Path file, Map<String, long[]> shapes, long seed, LongConsumer progress) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        header.putObject("__metadata__").put("format", "pt").put("llava4j", "random weights for benchmarks");
        long off = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", "F16");
            var arr = n.putArray("shape");
            for (long d : e.getValue()) arr.add(d);
            long size = 2 * count(e.getValue());
            n.putArray("data_offsets").add(off).add(off + size);
            off += size;
        }
        byte[] h = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(h);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".random", ".tmp");
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long written = 0;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                String name = e.getKey();
                short constant = name.endsWith(".bias") ? (short) 0
                        : name.contains("norm") ? Float.floatToFloat16(1f) : -1;
                for (long left = count(e.getValue()); left > 0; ) {
                    int n = (int) Math.min(left, buf.capacity() / 2);
                    buf.clear();
                    for (int i = 0; i < n; i++) buf.putShort(constant != -1 ? constant : Float.floatToFloat16(normal(rnd)));
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    left -= n;
                    written += 2L * n;
                    if (progress != null) progress.accept(written);
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /** About N(0, 0.02): a sum of 4 uniform 16-bit draws from one random long (variance 4/12), scaled. */
    private static float normal(SplittableRandom r) {
        long x = r.nextLong();
        long sum = (x & 0xFFFF) + ((x >>> 16) & 0xFFFF) + ((x >>> 32) & 0xFFFF) + (x >>> 48);
        double u = sum / 65536.0 - 2.0;
        return (float) (u * 0.02 * Math.sqrt(3.0));
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
