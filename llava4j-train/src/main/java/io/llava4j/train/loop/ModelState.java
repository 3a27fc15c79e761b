package io.llava4j.train.loop;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Optional for a {@link io.llava4j.train.TrainableModel}: state beyond its parameters that a resumed run needs to
 * continue exactly (e.g. the random stream of dropout). Checkpoints save it when the model implements this.
 */
public interface ModelState {
    void saveState(DataOutputStream out) throws IOException;

    void loadState(DataInputStream in) throws IOException;
}
