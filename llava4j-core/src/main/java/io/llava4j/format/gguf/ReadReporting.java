package io.llava4j.format.gguf;

import io.llava4j.format.WeightMap;
import io.llava4j.tensor.Tensor;

import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** A weight map that tells a listener each tensor name the first time it is read (export progress). */
final class ReadReporting implements WeightMap {
    private final WeightMap base;
    private final Consumer<String> onTensor;
    private final Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ReadReporting(WeightMap base, Consumer<String> onTensor) {
        this.base = base;
        this.onTensor = onTensor;
    }

    static WeightMap wrap(WeightMap base, Consumer<String> onTensor) {
        return onTensor == null ? base : new ReadReporting(base, onTensor);
    }

    @Override public Set<String> names() { return base.names(); }

    @Override
    public Optional<Tensor> find(String name) {
        Optional<Tensor> t = base.find(name);
        if (t.isPresent() && seen.add(name)) onTensor.accept(name);
        return t;
    }

    @Override public void close() { base.close(); }
}
