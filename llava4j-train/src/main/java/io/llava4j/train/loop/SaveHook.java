package io.llava4j.train.loop;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the model in its published format (a stage-1 {@code mm_projector.bin}, a PEFT adapter folder, a merged
 * checkpoint...) into a folder: each checkpoint's folder, and the output folder when training ends.
 */
@FunctionalInterface
public interface SaveHook {
    void save(Path dir) throws IOException;

    SaveHook NONE = dir -> {};
}
