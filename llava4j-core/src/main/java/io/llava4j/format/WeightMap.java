package io.llava4j.format;

import io.llava4j.tensor.Tensor;

import java.util.Optional;
import java.util.Set;

/**
 * The one common view every checkpoint format loader produces: checkpoint name -> tensor over mapped
 * memory. Only model packages know which names they need. Closing releases the mappings.
 */
public interface WeightMap extends AutoCloseable {

    /** All tensor names, as stored in the checkpoint. */
    Set<String> names();

    /** The tensor, or empty. */
    Optional<Tensor> find(String name);

    /** The tensor; throws {@link MissingWeightException} naming the key when absent. */
    default Tensor get(String name) {
        return find(name).orElseThrow(() -> new MissingWeightException(name, names().size()));
    }

    default boolean has(String name) { return find(name).isPresent(); }

    @Override
    void close();
}
