package io.llava4j.format;

/** A tensor the model needs is not in the checkpoint. */
public class MissingWeightException extends CheckpointException {
    public MissingWeightException(String name, int available) {
        super("weight '" + name + "' not found in the checkpoint (" + available + " tensors present)");
    }
}
