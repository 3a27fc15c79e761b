package io.llava4j.llm;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.ConfigException;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LoRA adapters for the decoder's linear layers, kept unmerged: y = W x + (alpha / r) * B (A x).
 * Tensors are found by their PEFT names, whatever prefix wraps them
 * ({@code base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight},
 * {@code language_model.base_model.model.model.layers.3.self_attn.q_proj.lora_A.default.weight}, ...),
 * either in a PEFT folder (adapter_config.json + adapter_model.safetensors/.bin) or inside a checkpoint.
 */
public final class LoraAdapter {
    private static final Pattern KEY = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)\\.lora_([AB])(?:\\.default)?\\.weight$");

    /** Module key "layers.N.self_attn.q_proj" -> {A, B}. */
    private final Map<String, Tensor[]> modules;
    private final double alpha;
    private final WeightMap owned;

    private LoraAdapter(Map<String, Tensor[]> modules, double alpha, WeightMap owned) {
        this.modules = modules;
        this.alpha = alpha;
        this.owned = owned;
    }

    /** The LoRA tensors inside a weight map, or null when there are none. alpha: null = the rank (scale 1). */
    public static LoraAdapter fromWeights(WeightMap w, Double alpha) {
        Map<String, Tensor[]> mods = new HashMap<>();
        for (String n : w.names()) {
            Matcher m = KEY.matcher(n);
            if (!m.find()) continue;
            String key = "layers." + m.group(1) + "." + m.group(2) + "." + m.group(3);
            mods.computeIfAbsent(key, k -> new Tensor[2])[m.group(4).equals("A") ? 0 : 1] = w.get(n);
        }
        if (mods.isEmpty()) return null;
        for (var e : mods.entrySet()) {
            if (e.getValue()[0] == null || e.getValue()[1] == null) throw new ConfigException("LoRA module " + e.getKey() + " has only one of lora_A / lora_B");
        }
        int r = (int) mods.values().iterator().next()[0].dim(0);
        return new LoraAdapter(mods, alpha != null ? alpha : r, null);
    }

    /** A PEFT adapter folder: adapter_config.json (r, lora_alpha) + adapter weights. alphaOverride wins if given. */
    public static LoraAdapter fromPeftFolder(Path dir, Double alphaOverride) {
        Path cfgFile = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(cfgFile)) throw new ConfigException(dir + ": no adapter_config.json (not a PEFT adapter folder)");
        JsonNode cfg = Json.read(cfgFile);
        double alpha = alphaOverride != null ? alphaOverride : Json.doubleField(cfg, "lora_alpha", Json.intField(cfg, "r", 8, 1, 1 << 16), 0, 1e9);
        Path weights = Files.isRegularFile(dir.resolve("adapter_model.safetensors")) ? dir.resolve("adapter_model.safetensors") : dir.resolve("adapter_model.bin");
        if (!Files.isRegularFile(weights)) throw new ConfigException(dir + ": no adapter_model.safetensors or adapter_model.bin");
        WeightMap w = Checkpoints.openFile(weights);
        LoraAdapter a = fromWeights(w, alpha);
        if (a == null) { w.close(); throw new ConfigException(weights + ": no lora_A / lora_B tensors"); }
        return new LoraAdapter(a.modules, alpha, w);
    }

    public int modules() { return modules.size(); }

    /** Adds the adapter of module "layers.N.self_attn.q_proj" (if any) to a linear layer. */
    public io.llava4j.nn.Linear apply(String module, io.llava4j.nn.Linear l) {
        Tensor[] ab = modules.get(module);
        if (ab == null) return l;
        int r = (int) ab[0].dim(0);
        return l.withLora(ab[0], ab[1], (float) (alpha / r));
    }

    /** Releases the adapter file when this adapter opened it. */
    public void close() { if (owned != null) owned.close(); }
}
