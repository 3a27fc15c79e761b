package io.llava4j.train;

import java.util.List;

/**
 * The contract between a model's training graph and the optimizer loop: the loop knows nothing of models.
 *
 * @param <S> one training sample as the model's data pipeline produces it (ids, labels, pixels)
 */
public interface TrainableModel<S> {

    /** Every trainable tensor, in a fixed order (the optimizer state and checkpoints follow it). */
    List<Param> params();

    /**
     * Forward and backward over one micro-batch. Returns the batch's loss as the reference defines it (mean
     * cross-entropy over all non-ignored target tokens of the batch) and ADDS {@code gradScale * dLoss/dParam} into
     * every {@link Param#grad} (so gradient accumulation passes 1/steps; the loop zeroes grads after each update).
     */
    double forwardBackward(List<S> batch, float gradScale);

    /** Number of tokens (all positions, padding excluded) in the batch, for throughput figures. */
    int tokens(List<S> batch);
}
