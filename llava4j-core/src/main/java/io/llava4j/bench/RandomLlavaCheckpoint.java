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
 * Writes a LLaVA-family checkpoint (HF layout, F16 safetensors) of real shapes with random weights, for benchmarks:
 * speed does not depend on trained values, and real weights cannot be downloaded here. Three families:
 * <ul>
 *   <li>{@link Family#LLAVA_15}: CLIP ViT + MLP projector + LLaMA (LLaVA-1.5-7B / 13B);</li>
 *   <li>{@link Family#ONEVISION}: SigLIP (no CLS, patch conv with bias) + projector + Qwen2 (q/k/v biases, tied
 *       embeddings) + image_newline (LLaVA-OneVision-0.5B);</li>
 *   <li>{@link Family#PLLAVA}: the LLaVA-1.5 tensors with PLLaVA's config (16 frames pooled to 16x12x12), the video
 *       path of PLLaVA-7B.</li>
 * </ul>
 * The tokenizer, chat template and processor files are copied from a template model folder of the same family (the
 * tiny fixtures: {@link Family#templateFixture()}); config.json and preprocessor_config.json get the chosen shapes.
 * Everything is written into a temporary sibling folder that is renamed to the target only when complete, and the
 * weights are streamed tensor by tensor (a 7B model never sits in memory).
 *
 * <p>Values: N(0, 0.02)-like (sum of uniforms) for matrices and embeddings as in HF's init, 1 for norm weights,
 * 0 for biases, so activations stay finite and no denormals slow the kernels.
 */
public final class RandomLlavaCheckpoint {

    /** Model families the generator knows: which tensors, which config keys, which tiny fixture is the template. */
    public enum Family {
        LLAVA_15("llava-1.5-tiny", true), ONEVISION("llava-onevision-qwen2-tiny", false), PLLAVA("pllava-tiny", false);

        private final String templateFixture;
        private final boolean gguf;

        Family(String templateFixture, boolean gguf) { this.templateFixture = templateFixture; this.gguf = gguf; }

        /** The fixture folder (under shared/fixtures) whose tokenizer, templates and configs are copied. */
        public String templateFixture() { return templateFixture; }

        /**
         * Whether {@link io.llava4j.format.gguf.LlavaGguf#export} writes this family as a llama.cpp GGUF pair. Only
         * LLaVA-1.5: OneVision needs a qwen2 text model and a SigLIP mmproj, PLLaVA's video pooling has no GGUF form.
         */
        public boolean exportsToGguf() { return gguf; }
    }

    /** A named benchmark shape: family plus dimensions. */
    public record Named(String name, Family family, Shape shape) {
        /** The shapes {@link #of} knows, in display order. */
        public static final List<String> NAMES = List.of("llava-1.5-7b", "llava-1.5-13b", "llava-onevision-0.5b", "pllava-7b");

        public static Named of(String name) {
            return switch (name) {
                case "llava-1.5-7b" -> new Named(name, Family.LLAVA_15, new Shape(4096, 32, 32, 32, 11008, 32064, 1024, 24, 16, 4096, 336, 14));
                case "llava-1.5-13b" -> new Named(name, Family.LLAVA_15, new Shape(5120, 40, 40, 40, 13824, 32064, 1024, 24, 16, 4096, 336, 14));
                // llava-hf/llava-onevision-qwen2-0.5b-ov-hf: Qwen2-0.5B (896/24/14/2, FFN 4864, vocab 152000 after <image>,
                // <video> and padding to 64), SigLIP so400m/14 at 384 with the last of 27 blocks removed (26).
                case "llava-onevision-0.5b" -> new Named(name, Family.ONEVISION, new Shape(896, 24, 14, 2, 4864, 152000, 1152, 26, 16, 4304, 384, 14));
                // ermu2001/pllava-7b: llava-v1.6-vicuna-7b-hf's tensors (vocab 32064, CLIP-L/336), used without anyres.
                case "pllava-7b" -> new Named(name, Family.PLLAVA, new Shape(4096, 32, 32, 32, 11008, 32064, 1024, 24, 16, 4096, 336, 14));
                default -> throw new IllegalArgumentException("unknown shape '" + name + "' (" + String.join(", ", NAMES) + ")");
            };
        }

        public Map<String, long[]> tensorShapes() { return RandomLlavaCheckpoint.tensorShapes(family, shape); }

        /** Bytes of the F16 weights. */
        public long f16Bytes() {
            long n = 0;
            for (long[] d : tensorShapes().values()) n += 2 * count(d);
            return n;
        }
    }

    /** Shapes of the language model and the vision tower (CLIP or SigLIP). */
    public record Shape(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab,
                        int vHidden, int vLayers, int vHeads, int vFfn, int imageSize, int patch) {

        /** The dimensions of a named shape ({@link Named#of}). */
        public static Shape named(String name) { return Named.of(name).shape(); }

        int patches() { return (imageSize / patch) * (imageSize / patch); }
    }

    private RandomLlavaCheckpoint() {}

    /** Tensor names and shapes in file order, as transformers saves LlavaForConditionalGeneration. */
    public static Map<String, long[]> tensorShapes(Shape s) { return tensorShapes(Family.LLAVA_15, s); }

    /** Tensor names and shapes in file order, as transformers saves the family's model class. */
    public static Map<String, long[]> tensorShapes(Family f, Shape s) {
        return f == Family.ONEVISION ? oneVisionShapes(s) : llavaShapes(s);
    }

    private static Map<String, long[]> llavaShapes(Shape s) {
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

    /** LlavaOnevisionForConditionalGeneration: SigLIP tower (no CLS, no pre-LN), projector, image_newline, tied Qwen2. */
    private static Map<String, long[]> oneVisionShapes(Shape s) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("image_newline", new long[]{s.hidden});
        String l = "language_model.model.";
        int headDim = s.hidden / s.heads;
        long kv = (long) s.kvHeads * headDim;
        m.put(l + "embed_tokens.weight", new long[]{s.vocab, s.hidden});
        for (int i = 0; i < s.layers; i++) {
            String p = l + "layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[]{s.hidden});
            m.put(p + "mlp.down_proj.weight", new long[]{s.hidden, s.ffn});
            m.put(p + "mlp.gate_proj.weight", new long[]{s.ffn, s.hidden});
            m.put(p + "mlp.up_proj.weight", new long[]{s.ffn, s.hidden});
            m.put(p + "post_attention_layernorm.weight", new long[]{s.hidden});
            m.put(p + "self_attn.k_proj.bias", new long[]{kv});
            m.put(p + "self_attn.k_proj.weight", new long[]{kv, s.hidden});
            m.put(p + "self_attn.o_proj.weight", new long[]{s.hidden, s.hidden});
            m.put(p + "self_attn.q_proj.bias", new long[]{s.hidden});
            m.put(p + "self_attn.q_proj.weight", new long[]{s.hidden, s.hidden});
            m.put(p + "self_attn.v_proj.bias", new long[]{kv});
            m.put(p + "self_attn.v_proj.weight", new long[]{kv, s.hidden});
        }
        m.put(l + "norm.weight", new long[]{s.hidden});
        m.put("multi_modal_projector.linear_1.bias", new long[]{s.hidden});
        m.put("multi_modal_projector.linear_1.weight", new long[]{s.hidden, s.vHidden});
        m.put("multi_modal_projector.linear_2.bias", new long[]{s.hidden});
        m.put("multi_modal_projector.linear_2.weight", new long[]{s.hidden, s.hidden});
        String v = "vision_tower.vision_model.";
        m.put(v + "embeddings.patch_embedding.bias", new long[]{s.vHidden});
        m.put(v + "embeddings.patch_embedding.weight", new long[]{s.vHidden, 3, s.patch, s.patch});
        m.put(v + "embeddings.position_embedding.weight", new long[]{s.patches(), s.vHidden});
        for (int i = 0; i < s.vLayers; i++) {
            String p = v + "encoder.layers." + i + ".";
            m.put(p + "layer_norm1.bias", new long[]{s.vHidden});
            m.put(p + "layer_norm1.weight", new long[]{s.vHidden});
            m.put(p + "layer_norm2.bias", new long[]{s.vHidden});
            m.put(p + "layer_norm2.weight", new long[]{s.vHidden});
            m.put(p + "mlp.fc1.bias", new long[]{s.vFfn});
            m.put(p + "mlp.fc1.weight", new long[]{s.vFfn, s.vHidden});
            m.put(p + "mlp.fc2.bias", new long[]{s.vHidden});
            m.put(p + "mlp.fc2.weight", new long[]{s.vHidden, s.vFfn});
            for (String proj : List.of("k_proj", "out_proj", "q_proj", "v_proj")) {
                m.put(p + "self_attn." + proj + ".bias", new long[]{s.vHidden});
                m.put(p + "self_attn." + proj + ".weight", new long[]{s.vHidden, s.vHidden});
            }
        }
        m.put(v + "post_layernorm.bias", new long[]{s.vHidden});
        m.put(v + "post_layernorm.weight", new long[]{s.vHidden});
        return m;
    }

    /** Files copied as they are from the template folder (those it has). */
    static final List<String> TEMPLATE_FILES = List.of("tokenizer.model", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
            "special_tokens_map.json", "added_tokens.json", "chat_template.json", "generation_config.json", "processor_config.json");

    /** A LLaVA-1.5 checkpoint (see {@link #write(Path, Family, Shape, Path, long, LongConsumer)}). */
    public static void write(Path out, Shape s, Path template, long seed, LongConsumer progress) throws IOException {
        write(out, Family.LLAVA_15, s, template, seed, progress);
    }

    /**
     * Writes the model folder {@code out}, which must not exist yet (or be an empty folder): everything goes into a
     * temporary sibling folder first, renamed to {@code out} once complete, so {@code out} is never half written.
     * @param template a model folder of the same family (tokenizer, templates, configs to adapt)
     * @param progress called with the bytes of weights written so far (may be null)
     */
    public static void write(Path out, Family f, Shape s, Path template, long seed, LongConsumer progress) throws IOException {
        write(out, f, s, template, seed, progress, null);
    }

    /**
     * As {@link #write(Path, Family, Shape, Path, long, LongConsumer)}, but with {@code sameWeights} (a model.safetensors
     * holding exactly this model's tensors, e.g. LLaVA-1.5-7B's for PLLaVA-7B) hard-linked (else symlinked) instead of
     * writing the weights again.
     */
    public static void write(Path out, Family f, Shape s, Path template, long seed, LongConsumer progress, Path sameWeights) throws IOException {
        if (!Files.isRegularFile(template.resolve("config.json"))) throw new IOException("template " + template + " has no config.json");
        out = out.toAbsolutePath();
        if (Files.isDirectory(out)) {
            try (var list = Files.list(out)) {
                if (list.findAny().isPresent()) throw new IOException(out + " already exists and is not empty");
            }
        } else if (Files.exists(out)) {
            throw new IOException(out + " already exists");
        }
        Files.createDirectories(out.getParent());
        Path tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".tmp-");
        try {
            writeFolder(tmp, f, s, template, seed, progress, sameWeights);
            makeReadable(tmp);
            Files.deleteIfExists(out); // an empty folder
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private static void writeFolder(Path out, Family f, Shape s, Path template, long seed, LongConsumer progress, Path sameWeights) throws IOException {
        for (String name : TEMPLATE_FILES) {
            if (Files.exists(template.resolve(name))) Files.copy(template.resolve(name), out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        makeReadable(out); // copies of read-only fixtures become writable by the owner (processor_config.json is edited below)
        ObjectMapper om = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) om.readTree(template.resolve("config.json").toFile());
        ObjectNode t = (ObjectNode) cfg.get("text_config");
        t.put("hidden_size", s.hidden).put("num_hidden_layers", s.layers).put("num_attention_heads", s.heads)
                .put("num_key_value_heads", s.kvHeads).put("intermediate_size", s.ffn).put("vocab_size", s.vocab);
        ObjectNode vc = (ObjectNode) cfg.get("vision_config");
        vc.put("hidden_size", s.vHidden).put("num_hidden_layers", s.vLayers).put("num_attention_heads", s.vHeads)
                .put("intermediate_size", s.vFfn).put("image_size", s.imageSize).put("patch_size", s.patch);
        ObjectNode pre = (ObjectNode) om.readTree(template.resolve("preprocessor_config.json").toFile());
        switch (f) {
            case LLAVA_15, PLLAVA -> {
                t.put("head_dim", s.hidden / s.heads);
                vc.put("projection_dim", 768);
                if (f == Family.LLAVA_15) {
                    cfg.put("image_seq_length", s.patches());
                } else {
                    // PLLaVA's loader settings for its 7B/13B checkpoints: 16 frames of 24x24 patches pooled to 16x12x12.
                    int grid = s.imageSize / s.patch;
                    cfg.putArray("frame_shape").add(grid).add(grid);
                    cfg.put("num_frames", 16);
                    cfg.putArray("pooling_shape").add(16).add(grid / 2).add(grid / 2);
                }
                pre.putObject("size").put("shortest_edge", s.imageSize);
                pre.putObject("crop_size").put("height", s.imageSize).put("width", s.imageSize);
            }
            case ONEVISION -> {
                t.put("tie_word_embeddings", true).put("rope_theta", 1e6).put("rms_norm_eps", 1e-6).put("max_position_embeddings", 32768);
                vc.put("layer_norm_eps", 1e-6);
                cfg.put("tie_word_embeddings", true);
                // anyres_max_9 over every (i, j) multiple of the tower size, i, j in 1..6
                var pins = om.createArrayNode();
                for (int i = 1; i <= 6; i++) for (int j = 1; j <= 6; j++) pins.addArray().add(i * s.imageSize).add(j * s.imageSize);
                cfg.set("image_grid_pinpoints", pins.deepCopy());
                pre.set("image_grid_pinpoints", pins);
                pre.putObject("size").put("height", s.imageSize).put("width", s.imageSize);
                Path video = template.resolve("video_processor/preprocessor_config.json");
                if (Files.isRegularFile(video)) {
                    ObjectNode vp = (ObjectNode) om.readTree(video.toFile());
                    vp.putObject("size").put("height", s.imageSize).put("width", s.imageSize);
                    Files.createDirectories(out.resolve("video_processor"));
                    om.writerWithDefaultPrettyPrinter().writeValue(out.resolve("video_processor/preprocessor_config.json").toFile(), vp);
                }
                if (Files.isRegularFile(out.resolve("processor_config.json"))) {
                    ObjectNode pc = (ObjectNode) om.readTree(out.resolve("processor_config.json").toFile());
                    pc.put("num_image_tokens", s.patches());
                    om.writerWithDefaultPrettyPrinter().writeValue(out.resolve("processor_config.json").toFile(), pc);
                }
            }
        }
        om.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), cfg);
        om.writerWithDefaultPrettyPrinter().writeValue(out.resolve("preprocessor_config.json").toFile(), pre);
        if (sameWeights == null) {
            writeWeights(out.resolve("model.safetensors"), tensorShapes(f, s), seed, progress);
            return;
        }
        try {
            Files.createLink(out.resolve("model.safetensors"), sameWeights);
        } catch (IOException | UnsupportedOperationException crossDevice) {
            Files.createSymbolicLink(out.resolve("model.safetensors"), sameWeights.toAbsolutePath());
        }
    }

    /** Temporary folders and files are created owner-only; the finished model is readable by all (folders 755, files 644). */
    static void makeReadable(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(x -> !Files.isSymbolicLink(x)).toList()) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        } catch (UnsupportedOperationException notPosix) {
            // keep the defaults
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
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
