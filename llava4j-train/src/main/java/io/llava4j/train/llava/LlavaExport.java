package io.llava4j.train.llava;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.format.WeightMap;
import io.llava4j.model.ModelLocator;
import io.llava4j.model.llava.LlavaConfig;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import io.llava4j.train.Param;
import io.llava4j.train.nn.Linear;
import io.llava4j.train.nn.LlamaLayer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes what a {@link LlavaTrainModel} trained in the seeds' formats, loadable by the engine (and by HF/PEFT):
 * <ul>
 *   <li>{@link #saveProjector}: stage 1's projector alone, keys {@code model.mm_projector.*} (upstream
 *       {@code mm_projector.bin}; here safetensors);</li>
 *   <li>{@link #savePeftAdapter}: a PEFT folder: {@code adapter_config.json} (r, lora_alpha, lora_dropout,
 *       target_modules), {@code adapter_model.safetensors} (keys
 *       {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}), {@code non_lora_trainables.safetensors}
 *       (the other trained tensors, keys prefixed {@code base_model.model.} as upstream's .bin) and the model's
 *       config.json, as LLaVA's finetune_lora output;</li>
 *   <li>{@link #saveMerged}: a full checkpoint folder: every tensor of the base checkpoint under its stored name, trained
 *       tensors replaced, LoRA merged ({@code W + alpha/r B A}), in one {@code model.safetensors}, with config,
 *       tokenizer and processor files copied. A vision tower the base kept in a separate folder is written into the
 *       checkpoint (original layout: under {@code model.vision_tower.vision_tower.vision_model.}) and its config files
 *       copied to the path {@code mm_vision_tower} names, relative to the new folder, so the folder is self-contained.</li>
 * </ul>
 * Trained tensors are written in {@code dtype} (F32, F16 or BF16; rounding to nearest even); untouched tensors keep
 * their stored type and bytes, and a LoRA-merged weight keeps its base weight's stored type (as PEFT's
 * merge_and_unload). Every file is written atomically.
 */
public final class LlavaExport {
    private LlavaExport() {}

    /** The stage-1 projector weights (keys as in the checkpoint, e.g. model.mm_projector.0.weight). */
    public static void saveProjector(LlavaTrainModel m, Path file, DType dtype) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Linear l : m.projector()) {
            out.put(l.name + ".weight", tensor(l.name + ".weight", l.w.toFloats(), dtype, l.w.rows, l.w.cols));
            if (l.b != null) out.put(l.name + ".bias", tensor(l.name + ".bias", l.b.values.clone(), dtype, l.b.size()));
        }
        SafetensorsWriter.write(file, out, Map.of("format", "pt"));
    }

    /** A PEFT adapter folder for a LoRA run. */
    public static void savePeftAdapter(LlavaTrainModel m, Path dir, DType dtype) throws IOException {
        TrainSetup.Lora lora = m.setup().lora();
        if (lora == null) throw new IllegalStateException("the model was not trained with LoRA");
        Files.createDirectories(dir);
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", m.dir().toAbsolutePath().toString());
        c.put("r", lora.r());
        c.put("lora_alpha", lora.alpha());
        c.put("lora_dropout", lora.dropout());
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.putNull("modules_to_save");
        ArrayNode t = c.putArray("target_modules");
        lora.targets().forEach(t::add);
        writeJson(dir.resolve("adapter_config.json"), c);
        Map<String, Tensor> ad = new LinkedHashMap<>();
        for (Param p : m.loraParams()) ad.put(p.name, tensor(p.name, p.data.clone(), dtype, p.shape));
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), ad, Map.of("format", "pt"));
        Map<String, Tensor> rest = new LinkedHashMap<>();
        for (Param p : m.params()) {
            if (m.loraParams().contains(p)) continue;
            String name = "base_model.model." + p.name;
            rest.put(name, tensor(name, p.data.clone(), dtype, p.shape));
        }
        if (!rest.isEmpty()) SafetensorsWriter.write(dir.resolve("non_lora_trainables.safetensors"), rest, Map.of("format", "pt"));
        Files.copy(m.dir().resolve("config.json"), dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A merged, self-contained checkpoint folder. */
    public static void saveMerged(LlavaTrainModel m, Path dir, DType dtype) throws IOException {
        if (dir.toAbsolutePath().normalize().equals(m.dir().toAbsolutePath().normalize())) throw new IllegalArgumentException("refusing to overwrite the base model folder " + dir);
        Files.createDirectories(dir);
        Map<String, Param> trained = new LinkedHashMap<>();
        for (Param p : m.params()) if (!m.loraParams().contains(p)) trained.put(p.name, p);
        Map<String, Linear> loraByWeight = new LinkedHashMap<>();
        for (LlamaLayer l : m.decoder().layers) for (Linear lin : l.linears()) if (lin.lora() != null) loraByWeight.put(lin.name + ".weight", lin);

        Map<String, Tensor> out = new LinkedHashMap<>();
        try (WeightMap base = Checkpoints.open(m.dir())) {
            for (String name : base.names().stream().sorted().toList()) {
                Tensor t = base.get(name);
                Param p = trained.remove(name);
                Linear lin = loraByWeight.get(name);
                if (p != null) out.put(name, tensor(name, p.data.clone(), dtype, p.shape));
                else if (lin != null) out.put(name, tensor(name, merge(lin), outType(t.dtype(), dtype), lin.out, lin.in));
                else if (t.dtype().isQuantized()) out.put(name, tensor(name, t.toFloatArray(), dtype, toInts(t.shape())));
                else out.put(name, t);
            }
            // trained tensors the base checkpoint does not hold: a tower read from its own folder
            String towerPrefix = m.visionWeightPrefix();
            String inCheckpoint = m.config().layout() == LlavaConfig.Layout.ORIGINAL ? "model.vision_tower.vision_tower.vision_model." : "vision_tower.vision_model.";
            for (Param p : trained.values()) {
                String name = towerPrefix != null && p.name.startsWith(towerPrefix) ? inCheckpoint + p.name.substring(towerPrefix.length()) : p.name;
                out.put(name, tensor(name, p.data.clone(), dtype, p.shape));
            }
            if (m.config().layout() == LlavaConfig.Layout.ORIGINAL && m.weightNames().visionPrefix() == null && !m.setup().trainVisionTower()) {
                // frozen tower from its own folder: copy its weights in too, so the new folder stands alone
                Path towerDir = ModelLocator.resolve(m.config().mmVisionTower(), m.dir());
                try (WeightMap tw = Checkpoints.open(towerDir)) {
                    String src = tw.has("vision_model.embeddings.patch_embedding.weight") ? "vision_model." : "vision_tower.vision_model.";
                    for (String name : tw.names()) if (name.startsWith(src)) {
                        Tensor t = tw.get(name);
                        String n = inCheckpoint + name.substring(src.length());
                        out.put(n, tensor(n, t.toFloatArray(), outType(t.dtype(), dtype), toInts(t.shape())));
                    }
                }
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        copySideFiles(m.dir(), dir);
        if (m.config().layout() == LlavaConfig.Layout.ORIGINAL && m.config().mmVisionTower() != null) {
            String ref = m.config().mmVisionTower();
            Path towerDir = ModelLocator.resolve(ref, m.dir());
            Path root = dir.toAbsolutePath().normalize();
            Path target = Path.of(ref).isAbsolute() ? null : root.resolve(ref).normalize();
            if (target != null && target.startsWith(root) && !target.equals(root)) {
                Files.createDirectories(target);
                copySideFiles(towerDir, target);
            }
        }
    }

    /** W + scaling * B A, from the stored base weight, in float. */
    static float[] merge(Linear lin) {
        float[] w = lin.w.toFloats();
        Linear.Lora l = lin.lora();
        float[] a = l.a().dense, b = l.b().dense;
        int r = l.rank(), in = lin.in, out = lin.out;
        float s = l.scaling();
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) {
                double acc = 0;
                for (int k = 0; k < r; k++) acc += (double) b[o * r + k] * a[k * in + i];
                w[o * in + i] += (float) (s * acc);
            }
        return w;
    }

    private static DType outType(DType stored, DType wanted) {
        return stored == DType.F32 || stored == DType.F16 || stored == DType.BF16 ? stored : wanted;
    }

    private static int[] toInts(long[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) r[i] = (int) s[i];
        return r;
    }

    /** Non-weight files (configs, tokenizer, processor, templates) of a model folder. */
    private static void copySideFiles(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p)) continue;
                if (n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".gguf")
                        || n.equals("model.safetensors.index.json") || n.equals("pytorch_model.bin.index.json")) continue;
                Path tmp = Files.createTempFile(to, ".copy", ".tmp");
                Files.copy(p, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, to.resolve(n), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".json", ".tmp");
        Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A heap tensor of the given type from float values. */
    static Tensor tensor(String name, float[] v, DType dtype, int... shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = shape[i];
        return switch (dtype) {
            case F32 -> new Tensor(name, DType.F32, s, MemorySegment.ofArray(v));
            case F16 -> {
                MemorySegment seg = MemorySegment.ofArray(new short[v.length]);
                for (int i = 0; i < v.length; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v[i]));
                yield new Tensor(name, DType.F16, s, seg);
            }
            case BF16 -> {
                MemorySegment seg = MemorySegment.ofArray(new short[v.length]);
                for (int i = 0; i < v.length; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, toBf16(v[i]));
                yield new Tensor(name, DType.BF16, s, seg);
            }
            default -> throw new IllegalArgumentException("trained tensors are written as F32, F16 or BF16, not " + dtype);
        };
    }

    /** float -> bfloat16 bits, round to nearest even (NaN kept quiet). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

}
