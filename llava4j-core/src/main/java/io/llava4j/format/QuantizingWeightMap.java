package io.llava4j.format;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Load-time quantization (the seeds' --load-8bit / --load-4bit): the language model's linear weights (2-D tensors
 * under a decoder layer's self_attn / mlp, rows a multiple of 32) are quantized to Q8_0, Q4_0 or Q4_K on first access
 * and kept off-heap; everything else (embeddings, norms, lm_head, vision tower, projector) is served as stored. A row
 * that is not a whole number of Q4_K super-blocks (256) gets Q8_0 instead (llama.cpp falls back the same way, there
 * to Q5_0, which this engine does not have).
 *
 * <p>Once a tensor is quantized, the pages of its memory-mapped original are handed back to the OS
 * ({@link java.lang.foreign.MemorySegment#unload}), so resident memory holds the quantized copy only, not both
 * (a 7B fp16 checkpoint loaded with --load-8bit would otherwise keep ~13 GB of fp16 pages resident next to the
 * ~7 GB of Q8_0). The mapping stays valid: a later read faults the pages back in from the file.
 */
public final class QuantizingWeightMap implements WeightMap {
    private final WeightMap base;
    private final DType target;
    private final Map<String, Tensor> done = new ConcurrentHashMap<>();

    public QuantizingWeightMap(WeightMap base, DType target) {
        if (!target.isQuantized()) throw new IllegalArgumentException(target + " is not a quantized type");
        this.base = base;
        this.target = target;
    }

    /** The tensors quantized at load time: 2-D projection weights of the decoder layers (not the vision tower). */
    public static boolean isDecoderLinear(String name, Tensor t) {
        return t.rank() == 2 && name.endsWith(".weight") && name.matches(".*layers\\.\\d+\\.(self_attn|mlp)\\.[a-z_]+_proj\\.weight")
                && !name.contains("vision") && t.dim(1) % 32 == 0 && !t.dtype().isQuantized();
    }

    @Override public Set<String> names() { return base.names(); }

    @Override
    public Optional<Tensor> find(String name) {
        Optional<Tensor> t = base.find(name);
        if (t.isEmpty() || !isDecoderLinear(name, t.get())) return t;
        DType type = t.get().dim(1) % target.blockSize() == 0 ? target : DType.Q8_0;
        return Optional.of(done.computeIfAbsent(name, k -> {
            Tensor q = Quant.quantize(t.get(), type);
            if (t.get().data().isMapped()) t.get().data().unload();
            return q;
        }));
    }

    @Override public void close() { base.close(); }
}
