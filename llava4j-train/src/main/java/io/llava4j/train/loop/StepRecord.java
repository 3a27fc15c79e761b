package io.llava4j.train.loop;

/**
 * What one optimizer step did: {@code loss} is the mean of its micro-batch losses computed before the update,
 * {@code learningRate} the default group's rate used by the update, {@code gradNorm} the global gradient norm before
 * clipping, {@code tokens} the tokens of its micro-batches, {@code seconds} its wall time.
 */
public record StepRecord(long step, double loss, double learningRate, double gradNorm, long tokens, double seconds, double epoch) {}
