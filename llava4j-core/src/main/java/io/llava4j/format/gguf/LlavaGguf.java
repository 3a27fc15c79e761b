package io.llava4j.format.gguf;

import io.llava4j.format.CheckpointException;
import io.llava4j.format.MappedScratch;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;
import io.llava4j.vision.encoder.ClipVisionConfig;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LLaVA-1.5 as llama.cpp stores it: a text-model GGUF (architecture "llama": {@code token_embd}, {@code blk.N.attn_q}
 * ..., Q and K rows permuted for ggml's interleaved RoPE by convert_hf_to_gguf's {@code LlamaModel.permute}) and an
 * mmproj GGUF (architecture "clip": {@code v.patch_embd}, {@code v.blk.N.*}, {@code mm.0}/{@code mm.2}, the CLIP
 * blocks after the selected feature layer dropped). {@link #open} serves both under the Hugging Face LLaVA names
 * the model code uses, with the Q/K permutation undone; {@link #export} writes the pair from a HF checkpoint.
 * <p>
 * Name map (text, under {@code language_model.}): token_embd -> model.embed_tokens, output_norm -> model.norm,
 * output -> lm_head, blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down} ->
 * model.layers.N.{input_layernorm, self_attn.q_proj, .k_proj, .v_proj, .o_proj, post_attention_layernorm,
 * mlp.gate_proj, .up_proj, .down_proj}. mmproj (under {@code vision_tower.vision_model.}): v.patch_embd,
 * v.class_embd, v.position_embd -> embeddings.{patch_embedding, class_embedding, position_embedding}, v.pre_ln /
 * v.post_ln -> pre_layrnorm / post_layernorm, v.blk.N.{attn_q, attn_k, attn_v, attn_out, ln1, ln2} ->
 * encoder.layers.N.{self_attn.q_proj, .k_proj, .v_proj, .out_proj, layer_norm1, layer_norm2}; the two MLP weights
 * are told apart by shape (llava's converter stores fc1 as "ffn_down" and fc2 as "ffn_up"; newer files the other way
 * round); mm.K -> multi_modal_projector.linear_{K/2+1}.
 * <p>
 * Configuration, tokenizer and template metadata: {@link LlavaGgufMetadata} (written) and
 * {@code io.llava4j.model.llava.LlavaGgufModel} (read); see docs/GGUF.md.
 */
public final class LlavaGguf {
    private LlavaGguf() {}

    public static final String TEXT_PREFIX = "language_model.";
    public static final String VISION_PREFIX = "vision_tower.vision_model.";
    public static final String PROJECTOR_PREFIX = "multi_modal_projector.";

    private static final Map<String, String> TEXT_LAYER = Map.of(
            "attn_norm", "input_layernorm", "attn_q", "self_attn.q_proj", "attn_k", "self_attn.k_proj",
            "attn_v", "self_attn.v_proj", "attn_output", "self_attn.o_proj", "ffn_norm", "post_attention_layernorm",
            "ffn_gate", "mlp.gate_proj", "ffn_up", "mlp.up_proj", "ffn_down", "mlp.down_proj");
    private static final Map<String, String> VISION_LAYER = Map.of(
            "attn_q", "self_attn.q_proj", "attn_k", "self_attn.k_proj", "attn_v", "self_attn.v_proj",
            "attn_out", "self_attn.out_proj", "ln1", "layer_norm1", "ln2", "layer_norm2");
    private static final Pattern BLK = Pattern.compile("^blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)$");
    private static final Pattern VBLK = Pattern.compile("^v\\.blk\\.(\\d+)\\.([a-z_0-9]+)\\.(weight|bias)$");
    private static final Pattern MM = Pattern.compile("^mm\\.(\\d+)\\.(weight|bias)$");

    /** HF name of a text-model GGUF tensor (without {@link #TEXT_PREFIX}), or null when it has none (e.g. rope_freqs). */
    public static String textName(String gguf) {
        switch (gguf) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            default:
        }
        Matcher m = BLK.matcher(gguf);
        if (!m.matches() || !TEXT_LAYER.containsKey(m.group(2))) return null;
        return "model.layers." + m.group(1) + "." + TEXT_LAYER.get(m.group(2)) + "." + m.group(3);
    }

    /** GGUF name of a HF decoder tensor name (relative to the decoder: "model.layers.0...", "lm_head.weight"), or null. */
    public static String ggufTextName(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
            default:
        }
        Matcher m = Pattern.compile("^model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)$").matcher(hf);
        if (!m.matches()) return null;
        for (Map.Entry<String, String> e : TEXT_LAYER.entrySet()) {
            if (e.getValue().equals(m.group(2))) return "blk." + m.group(1) + "." + e.getKey() + "." + m.group(3);
        }
        return null;
    }

    /**
     * HF name (full, with prefixes) of an mmproj tensor; null when unmapped. {@code fc1Name} is the GGUF layer-local
     * name ("ffn_down" or "ffn_up") that holds fc1 in this file.
     */
    static String visionName(String gguf, String fc1Name) {
        switch (gguf) {
            case "v.patch_embd.weight": return VISION_PREFIX + "embeddings.patch_embedding.weight";
            case "v.class_embd": return VISION_PREFIX + "embeddings.class_embedding";
            case "v.position_embd.weight": return VISION_PREFIX + "embeddings.position_embedding.weight";
            case "v.pre_ln.weight": return VISION_PREFIX + "pre_layrnorm.weight";
            case "v.pre_ln.bias": return VISION_PREFIX + "pre_layrnorm.bias";
            case "v.post_ln.weight": return VISION_PREFIX + "post_layernorm.weight";
            case "v.post_ln.bias": return VISION_PREFIX + "post_layernorm.bias";
            default:
        }
        Matcher m = VBLK.matcher(gguf);
        if (m.matches()) {
            String part = m.group(2);
            String hf = VISION_LAYER.get(part);
            if (hf == null && (part.equals("ffn_down") || part.equals("ffn_up"))) hf = part.equals(fc1Name) ? "mlp.fc1" : "mlp.fc2";
            return hf == null ? null : VISION_PREFIX + "encoder.layers." + m.group(1) + "." + hf + "." + m.group(3);
        }
        Matcher p = MM.matcher(gguf);
        if (p.matches()) return PROJECTOR_PREFIX + "linear_" + (Integer.parseInt(p.group(1)) / 2 + 1) + "." + p.group(2);
        return null;
    }

    /**
     * The pair as one weight map under HF LLaVA names. {@code mmproj} may be null (text only). The Q/K rows of a
     * "llama" text model are un-permuted on first access into off-heap copies owned by the map.
     */
    public static WeightMap open(Path text, Path mmproj) {
        GgufFile t = GgufFile.open(text);
        GgufFile v = null;
        try {
            if (!t.architecture().equals("llama") && !t.architecture().equals("qwen2") && !t.architecture().equals("mistral")) {
                throw new CheckpointException(text + ": text model architecture '" + t.architecture() + "' is not supported (llama, mistral, qwen2)");
            }
            if (mmproj != null) {
                v = GgufFile.open(mmproj);
                if (!v.architecture().equals("clip")) throw new CheckpointException(mmproj + ": not an mmproj file (architecture '" + v.architecture() + "', expected clip)");
            }
            return new Renamed(t, v);
        } catch (RuntimeException e) {
            t.close();
            if (v != null) v.close();
            throw e;
        }
    }

    /** The text model and (optional) mmproj among these GGUF files, told apart by general.architecture ("clip"). */
    public static WeightMap openPair(List<Path> files) {
        Path text = null, mmproj = null;
        for (Path f : files) {
            String arch;
            try (GgufFile g = GgufFile.open(f)) {
                arch = g.architecture();
            }
            if (arch.equals("clip")) {
                if (mmproj != null) throw new CheckpointException("two mmproj files: " + mmproj + " and " + f);
                mmproj = f;
            } else {
                if (text != null) throw new CheckpointException("two text-model GGUF files: " + text + " and " + f + " (split GGUF files are not supported)");
                text = f;
            }
        }
        if (text == null) throw new CheckpointException("no text-model GGUF among " + files);
        return open(text, mmproj);
    }

    /** The renaming view: HF name -> supplier of the (possibly un-permuted) tensor. */
    private static final class Renamed implements WeightMap {
        private final List<GgufFile> files = new ArrayList<>();
        private final Map<String, Supplier<Tensor>> map = new LinkedHashMap<>();
        private final Map<String, Tensor> cache = new ConcurrentHashMap<>();
        private final Arena arena = Arena.ofShared();

        Renamed(GgufFile text, GgufFile vision) {
            files.add(text);
            boolean llamaRope = !text.architecture().equals("qwen2");
            String arch = text.architecture();
            int heads = text.meta(arch + ".attention.head_count").map(v -> (int) v.asLong()).orElse(0);
            int kvHeads = text.meta(arch + ".attention.head_count_kv").map(v -> (int) v.asLong()).orElse(heads);
            for (String g : text.names()) {
                String hf = textName(g);
                if (hf == null) continue;
                boolean q = g.matches("blk\\.\\d+\\.attn_q\\.(weight|bias)"), k = g.matches("blk\\.\\d+\\.attn_k\\.(weight|bias)");
                if (llamaRope && (q || k)) {
                    if (heads <= 0) throw new CheckpointException(text.path() + ": " + arch + ".attention.head_count is missing (needed to undo the Q/K permutation)");
                    int n = q ? heads : kvHeads;
                    map.put(TEXT_PREFIX + hf, () -> permuteRows(text.get(g), n, true, arena));
                } else {
                    map.put(TEXT_PREFIX + hf, () -> text.get(g));
                }
            }
            if (vision != null) {
                files.add(vision);
                String fc1 = fc1Name(vision);
                for (String g : vision.names()) {
                    String hf = visionName(g, fc1);
                    if (hf != null) map.put(hf, () -> vision.get(g));
                }
            }
        }

        @Override public Set<String> names() { return Collections.unmodifiableSet(map.keySet()); }

        @Override
        public Optional<Tensor> find(String name) {
            Supplier<Tensor> s = map.get(name);
            if (s == null) return Optional.empty();
            Tensor t = cache.computeIfAbsent(name, k -> rename(s.get(), k));
            return Optional.of(t);
        }

        @Override
        public void close() {
            files.forEach(GgufFile::close);
            arena.close();
        }
    }

    private static Tensor rename(Tensor t, String name) { return new Tensor(name, t.dtype(), t.shape(), t.data()); }

    /** Which GGUF name holds CLIP's fc1 in this mmproj: the MLP weight whose rows are feed_forward_length. */
    static String fc1Name(GgufFile v) {
        long ff = v.meta("clip.vision.feed_forward_length").map(GgufValue::asLong).orElse(-1L);
        GgufFile.TensorInfo down = v.tensorInfos().get("v.blk.0.ffn_down.weight");
        if (down != null && ff > 0 && down.shape().length == 2) {
            if (down.shape()[0] == ff) return "ffn_down";   // llava's converter: fc1 stored as ffn_down
            if (down.shape()[1] == ff) return "ffn_up";
        }
        return "ffn_down";
    }

    /**
     * convert_hf_to_gguf's LlamaModel.permute on rows (inverse = false: HF -> GGUF; true: GGUF -> HF): within each of
     * n heads of d rows, HF row j*d/2 + i sits at GGUF row 2i + j. Rows keep their bytes, so any storage type works.
     */
    public static Tensor permuteRows(Tensor t, int nHead, boolean inverse, Arena arena) {
        long rows = t.dim(0);
        if (rows % nHead != 0 || (rows / nHead) % 2 != 0) throw new CheckpointException("tensor " + t.name() + ": " + rows + " rows do not split into " + nHead + " heads of even size");
        int d = (int) (rows / nHead), half = d / 2;
        long rowBytes = t.data().byteSize() / rows;
        // loading (GGUF -> HF): mapped like the other weights, so the decode kernels stay monomorphic (MappedScratch)
        MemorySegment out = inverse && t.data().isMapped() ? MappedScratch.allocate(t.data().byteSize(), arena) : arena.allocate(t.data().byteSize(), 64);
        for (long h = 0; h < nHead; h++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    long hfRow = h * d + (long) j * half + i, ggRow = h * d + 2L * i + j;
                    long src = inverse ? ggRow : hfRow, dst = inverse ? hfRow : ggRow;
                    MemorySegment.copy(t.data(), rowBytes * src, out, rowBytes * dst, rowBytes);
                }
            }
        }
        return new Tensor(t.name(), t.dtype(), t.shape(), out);
    }

    // ---------------------------------------------------------------- export

    /**
     * Writes a HF-layout LLaVA-1.5 checkpoint as a llama.cpp-style pair. The language model's matrices (attention and
     * MLP projections) are stored as {@code type} (F16, Q8_0, Q6_K, Q5_K, Q5_1, Q5_0, Q4_K, Q4_0; rows that are not
     * whole blocks fall back to Q8_0, or F16 when not even that fits); token_embd and output as Q8_0 when {@code type}
     * is 4- or 5-bit (llama.cpp keeps a higher precision there too), else as {@code type}; norms F32. The mmproj is F16 (matrices, patch conv) and F32
     * (vectors), with the CLIP blocks after the selected feature layer dropped, as llama.cpp's converter does.
     *
     * @param featureLayers the number of CLIP blocks the model uses (hidden_states index of the feature layer)
     * @param imageMean     the processor's image_mean; {@code imageStd} its image_std
     */
    public static void export(WeightMap hf, DecoderConfig text, ClipVisionConfig vision, int featureLayers,
                              double[] imageMean, double[] imageStd, DType type, String name, Path textOut, Path mmprojOut)
            throws IOException {
        export(hf, text, vision, featureLayers, imageMean, imageStd, type, name, textOut, mmprojOut, Map.of(), Map.of());
    }

    /** {@link #export}, with further metadata for the text model and the mmproj (tokenizer, template, ...). */
    public static void export(WeightMap hf, DecoderConfig text, ClipVisionConfig vision, int featureLayers,
                              double[] imageMean, double[] imageStd, DType type, String name, Path textOut, Path mmprojOut,
                              Map<String, GgufValue> textExtra, Map<String, GgufValue> visionExtra)
            throws IOException {
        if (type != DType.F16 && type != DType.F32 && !type.isQuantized()) throw new IllegalArgumentException("cannot export as " + type);
        DType edge = type == DType.Q6_K || type == DType.Q8_0 || !type.isQuantized() ? type : DType.Q8_0;
        export(hf, text, vision, featureLayers, imageMean, imageStd, fileType(type),
                (g, t) -> t.rank() != 2 ? DType.F32 : g.equals("token_embd.weight") || g.equals("output.weight") ? edge : type,
                name, textOut, mmprojOut, textExtra, visionExtra);
    }

    /**
     * {@link #export}, the text model's matrices stored as llama.cpp's {@code mix} recipe stores them (e.g. Q4_K_M:
     * Q4_K, with Q6_K for output.weight and for attn_v / ffn_down of some layers; rows that are not whole 256-blocks
     * fall back as llama.cpp's do: Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0).
     */
    public static void export(WeightMap hf, DecoderConfig text, ClipVisionConfig vision, int featureLayers,
                              double[] imageMean, double[] imageStd, Mix mix, String name, Path textOut, Path mmprojOut,
                              Map<String, GgufValue> textExtra, Map<String, GgufValue> visionExtra)
            throws IOException {
        export(hf, text, vision, featureLayers, imageMean, imageStd, mix.fileType,
                (g, t) -> t.rank() != 2 ? DType.F32 : mix.typeOf(g, t.dim(-1), text.numLayers()),
                name, textOut, mmprojOut, textExtra, visionExtra);
    }

    /**
     * llama.cpp's mixed K-quant file types, as its llama_tensor_get_type chooses tensor types for a LLaMA model without
     * experts: the base type everywhere, Q6_K for output.weight, and Q6_K for attn_v and ffn_down in the layers where
     * {@code use_more_bits} holds (the first and last eighth, and every third in between).
     */
    public enum Mix {
        Q4_K_M(DType.Q4_K, 15), Q5_K_M(DType.Q5_K, 17);

        public final DType base;
        /** llama.cpp's general.file_type (LLAMA_FTYPE_MOSTLY_Q4_K_M = 15, _Q5_K_M = 17). */
        public final int fileType;

        Mix(DType base, int fileType) {
            this.base = base;
            this.fileType = fileType;
        }

        /** The type text matrix {@code g} (rows of {@code row} values) is stored as in a model of {@code layers} blocks. */
        public DType typeOf(String g, long row, int layers) {
            DType t = base;
            if (g.equals("output.weight")) t = DType.Q6_K;
            Matcher m = BLOCK_TENSOR.matcher(g);
            if (m.matches() && (m.group(2).equals("attn_v") || m.group(2).equals("ffn_down")) && useMoreBits(Integer.parseInt(m.group(1)), layers)) {
                t = DType.Q6_K;
            }
            if (row % 256 == 0) return t;
            DType fallback = switch (t) { // llama.cpp's convert_incompatible_tensor
                case Q4_K -> DType.Q5_0;
                case Q5_K -> DType.Q5_1;
                default -> DType.Q8_0;
            };
            return row % 32 == 0 ? fallback : DType.F16;
        }

        static boolean useMoreBits(int layer, int layers) {
            return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
        }

        /** Parses "q4_k_m" / "Q5_K_M"; null when the name is no mix. */
        public static Mix parse(String s) {
            for (Mix m : values()) if (m.name().equalsIgnoreCase(s)) return m;
            return null;
        }
    }

    private static final Pattern BLOCK_TENSOR = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.weight");

    /** The export, the text tensors' types given by {@code typeOf} (gguf name, tensor; convert's fallbacks still apply). */
    private static void export(WeightMap hf, DecoderConfig text, ClipVisionConfig vision, int featureLayers,
                               double[] imageMean, double[] imageStd, int fileType, java.util.function.BiFunction<String, Tensor, DType> typeOf,
                               String name, Path textOut, Path mmprojOut, Map<String, GgufValue> textExtra, Map<String, GgufValue> visionExtra)
            throws IOException {
        {
            // Every tensor is converted when the writer reaches it and dropped once written: a 7B model is streamed.
            GgufWriter tw = new GgufWriter();
            tw.putString("general.architecture", "llama").putString("general.name", name)
                    .putU32("general.file_type", fileType).putU32("general.quantization_version", 2)
                    .putU32("llama.context_length", text.maxPositions()).putU32("llama.embedding_length", text.hiddenSize())
                    .putU32("llama.block_count", text.numLayers()).putU32("llama.feed_forward_length", text.intermediateSize())
                    .putU32("llama.rope.dimension_count", text.headDim()).putU32("llama.attention.head_count", text.numHeads())
                    .putU32("llama.attention.head_count_kv", text.numKvHeads())
                    .putF32("llama.attention.layer_norm_rms_epsilon", text.rmsNormEps())
                    .putF32("llama.rope.freq_base", (float) text.ropeTheta()).putU32("llama.vocab_size", text.vocabSize());
            textExtra.forEach(tw::put);
            String dec = TEXT_PREFIX + "model.";
            Tensor embd = hf.get(TEXT_PREFIX + "model.embed_tokens.weight");
            later(tw, "token_embd.weight", embd, typeOf.apply("token_embd.weight", embd));
            for (int l = 0; l < text.numLayers(); l++) {
                String p = dec + "layers." + l + ".";
                for (String part : List.of("input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                        "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                    for (String kind : List.of("weight", "bias")) {
                        String hfName = p + part + "." + kind;
                        if (!hf.has(hfName)) continue;
                        String g = ggufTextName("model.layers." + l + "." + part + "." + kind);
                        Tensor t = hf.get(hfName);
                        DType to = typeOf.apply(g, t);
                        if (part.equals("self_attn.q_proj") || part.equals("self_attn.k_proj")) {
                            int heads = part.equals("self_attn.q_proj") ? text.numHeads() : text.numKvHeads();
                            tw.tensor(g, storedType(t, to), t.shape(), a -> converted(t, convert(permuteRows(t, heads, false, a), to, a)));
                        } else {
                            later(tw, g, t, to);
                        }
                    }
                }
            }
            later(tw, "output_norm.weight", hf.get(dec + "norm.weight"), DType.F32);
            Optional<Tensor> head = hf.find(TEXT_PREFIX + "lm_head.weight");
            Tensor out = head.orElseGet(() -> hf.get(dec + "embed_tokens.weight"));
            later(tw, "output.weight", out, typeOf.apply("output.weight", out));
            tw.write(textOut);

            if (mmprojOut == null) return;
            GgufWriter vw = new GgufWriter();
            vw.putString("general.architecture", "clip").putString("general.name", name)
                    .putString("general.description", "image encoder for LLaVA").putU32("general.file_type", 1)
                    .putBool("clip.has_text_encoder", false).putBool("clip.has_vision_encoder", true)
                    .putBool("clip.has_llava_projector", true).putString("clip.projector_type", "mlp")
                    .putU32("clip.vision.image_size", vision.imageSize()).putU32("clip.vision.patch_size", vision.patchSize())
                    .putU32("clip.vision.embedding_length", vision.hiddenSize())
                    .putU32("clip.vision.feed_forward_length", vision.intermediateSize())
                    .putU32("clip.vision.projection_dim", text.hiddenSize())
                    .putU32("clip.vision.attention.head_count", vision.numHeads())
                    .putF32("clip.vision.attention.layer_norm_epsilon", vision.layerNormEps())
                    .putU32("clip.vision.block_count", featureLayers)
                    .put("clip.vision.image_mean", floats(imageMean)).put("clip.vision.image_std", floats(imageStd))
                    .putBool("clip.use_gelu", vision.hiddenAct().equals("gelu"));
            visionExtra.forEach(vw::put);
            for (int k = 0; ; k += 2) {
                String p = PROJECTOR_PREFIX + "linear_" + (k / 2 + 1) + ".";
                if (!hf.has(p + "weight")) break;
                later(vw, "mm." + k + ".weight", hf.get(p + "weight"), DType.F16);
                if (hf.has(p + "bias")) later(vw, "mm." + k + ".bias", hf.get(p + "bias"), DType.F32);
            }
            String vp = VISION_PREFIX;
            later(vw, "v.class_embd", hf.get(vp + "embeddings.class_embedding"), DType.F32);
            later(vw, "v.patch_embd.weight", hf.get(vp + "embeddings.patch_embedding.weight"), DType.F16);
            later(vw, "v.position_embd.weight", hf.get(vp + "embeddings.position_embedding.weight"), DType.F16);
            later(vw, "v.pre_ln.weight", hf.get(vp + "pre_layrnorm.weight"), DType.F32);
            later(vw, "v.pre_ln.bias", hf.get(vp + "pre_layrnorm.bias"), DType.F32);
            for (int l = 0; l < featureLayers; l++) {
                String p = vp + "encoder.layers." + l + ".";
                String[][] parts = {{"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"}, {"self_attn.v_proj", "attn_v"},
                        {"self_attn.out_proj", "attn_out"}, {"layer_norm1", "ln1"}, {"layer_norm2", "ln2"},
                        {"mlp.fc1", "ffn_down"}, {"mlp.fc2", "ffn_up"}}; // llava's converter stores fc1 as ffn_down
                for (String[] part : parts) {
                    for (String kind : List.of("weight", "bias")) {
                        if (!hf.has(p + part[0] + "." + kind)) continue;
                        Tensor t = hf.get(p + part[0] + "." + kind);
                        later(vw, "v.blk." + l + "." + part[1] + "." + kind, t, t.rank() == 2 ? DType.F16 : DType.F32);
                    }
                }
            }
            vw.write(mmprojOut);
        }
    }

    /**
     * Exports a HF-layout LLaVA-1.5 model folder (config.json, preprocessor_config.json, weights) as
     * {@code <name>-<type>.gguf} and {@code mmproj-<name>-f16.gguf} in {@code outDir}; returns the two paths.
     */
    public static List<Path> exportFolder(Path modelDir, DType type, Path outDir) throws IOException {
        return exportFolder(modelDir, type, outDir, null);
    }

    /** {@link #exportFolder}, the text model stored as llama.cpp's {@code mix} recipe ({@code <name>-q4_k_m.gguf}). */
    public static List<Path> exportFolder(Path modelDir, Mix mix, Path outDir, java.util.function.Consumer<String> onTensor) throws IOException {
        return exportFolder(modelDir, mix.name().toLowerCase(), outDir, onTensor, (w, cfg, proc, text, mm) ->
                export(w, cfg.textConfig(), cfg.visionConfig(), cfg.featureLayerIndex(), proc.imageMean(), proc.imageStd(), mix,
                        modelDir.getFileName().toString(), text, mm, LlavaGgufMetadata.text(modelDir, cfg), LlavaGgufMetadata.vision(cfg)));
    }

    /** {@link #exportFolder}, telling {@code onTensor} (may be null) the name of each source tensor as it is read. */
    public static List<Path> exportFolder(Path modelDir, DType type, Path outDir, java.util.function.Consumer<String> onTensor) throws IOException {
        return exportFolder(modelDir, type.name().toLowerCase(), outDir, onTensor, (w, cfg, proc, text, mm) ->
                export(w, cfg.textConfig(), cfg.visionConfig(), cfg.featureLayerIndex(), proc.imageMean(), proc.imageStd(), type,
                        modelDir.getFileName().toString(), text, mm, LlavaGgufMetadata.text(modelDir, cfg), LlavaGgufMetadata.vision(cfg)));
    }

    private interface FolderExport {
        void write(WeightMap w, io.llava4j.model.llava.LlavaConfig cfg, io.llava4j.vision.preprocess.ClipImageProcessor.Config proc,
                   Path text, Path mm) throws IOException;
    }

    private static List<Path> exportFolder(Path modelDir, String typeName, Path outDir, java.util.function.Consumer<String> onTensor,
                                           FolderExport how) throws IOException {
        var cfg = io.llava4j.model.llava.LlavaConfig.fromJson(io.llava4j.config.Json.read(modelDir.resolve("config.json")));
        if (cfg.layout() != io.llava4j.model.llava.LlavaConfig.Layout.HF) throw new CheckpointException(modelDir + ": only the HF LLaVA layout can be exported to GGUF");
        var proc = io.llava4j.vision.preprocess.ClipImageProcessor.load(modelDir.resolve("preprocessor_config.json")).config();
        String name = modelDir.getFileName().toString();
        Path text = outDir.resolve(name + "-" + typeName + ".gguf"), mm = outDir.resolve("mmproj-" + name + "-f16.gguf");
        try (WeightMap w = ReadReporting.wrap(io.llava4j.format.Checkpoints.open(modelDir), onTensor)) {
            how.write(w, cfg, proc, text, mm);
        }
        return List.of(text, mm);
    }

    /** Adds t to be converted to {@code type} (with convert's fallbacks) when the writer reaches it. */
    private static void later(GgufWriter w, String g, Tensor t, DType type) {
        w.tensor(g, storedType(t, type), t.shape(), a -> converted(t, convert(t, type, a)));
    }

    /** c, made from src; src's memory-mapped pages are handed back once copied, so exporting keeps one tensor resident. */
    private static Tensor converted(Tensor src, Tensor c) {
        if (c.data() != src.data() && src.data().isMapped()) src.data().unload();
        return c;
    }

    /** The type {@link #convert} stores t as when asked for {@code type}. */
    static DType storedType(Tensor t, DType type) {
        if (!type.isQuantized()) return type;
        long row = t.shape()[t.rank() - 1];
        if (row % type.blockSize() != 0) return row % 32 == 0 ? DType.Q8_0 : DType.F16;
        return type;
    }

    private static GgufValue floats(double[] v) {
        List<Float> l = new ArrayList<>();
        for (double d : v) l.add((float) d);
        return GgufValue.array(GgufValueType.FLOAT32, l);
    }

    /** llama.cpp's general.file_type (LlamaFileType) for the main matrix type. */
    static int fileType(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 15; // MOSTLY_Q4_K_M is the usual name; Q4_K_S = 14
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q5_K -> 17; // MOSTLY_Q5_K_M; Q5_K_S = 16
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama file type for " + t);
        };
    }

    /** t stored as {@code type}: as is when it already is, else widened and converted (rows not whole blocks fall back). */
    static Tensor convert(Tensor t, DType type) { return convert(t, type, Arena.ofAuto()); }

    /** As {@link #convert(Tensor, DType)}, a converted copy allocated in {@code arena}. */
    static Tensor convert(Tensor t, DType type, Arena arena) {
        type = storedType(t, type);
        if (t.dtype() == type) return t;
        if (type.isQuantized()) return Quant.quantize(t, type, arena);
        float[] f = t.toFloatArray();
        MemorySegment seg = arena.allocate((long) f.length * type.bytes(), 64);
        switch (type) {
            case F32 -> MemorySegment.copy(f, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, f.length);
            case F16 -> { for (int i = 0; i < f.length; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(f[i])); }
            case BF16 -> { for (int i = 0; i < f.length; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, bf16(f[i])); }
            default -> throw new IllegalArgumentException("cannot convert to " + type);
        }
        return new Tensor(t.name(), type, t.shape(), seg);
    }

    /** Round-to-nearest-even fp32 -> bf16 (NaN kept quiet). */
    static short bf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((b >>> 16) | 0x40);
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }
}
