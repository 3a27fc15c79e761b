package io.llava4j.train.loop;

import io.llava4j.train.TrainableModel;

import java.io.IOException;
import java.util.List;

/**
 * Builds what the loop trains from {@link TrainOptions}: the trainable graph (which parts are frozen, LoRA, ...), the
 * samples (data JSON through the conversation template and masking), the data order, and how the result is saved.
 * The loop and the CLI know nothing else of the model.
 */
@FunctionalInterface
public interface TrainingSetup {

    Prepared<?> prepare(TrainOptions options) throws IOException;

    /**
     * @param order    null = a seeded shuffle per epoch
     * @param saveHook writes the model in its published format into checkpoint folders and the output folder
     * @param summary  one line for the log ("stage 1: projector only, 558 samples, 1.2 M trainable parameters")
     */
    record Prepared<S>(TrainableModel<S> model, List<S> samples, DataOrder order, SaveHook saveHook, String summary) {}
}
