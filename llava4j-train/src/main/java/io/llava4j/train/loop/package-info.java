/**
 * The optimizer loop over any {@link io.llava4j.train.TrainableModel}: schedules, accumulation, clipping, parameter
 * groups, seeded data order, atomic resumable checkpoints, progress and the JSON step log
 * ({@link io.llava4j.train.loop.Trainer}); the {@code train} command's options and the one place where a model's
 * training graph is plugged in ({@link io.llava4j.train.loop.TrainingSetups}).
 */
package io.llava4j.train.loop;
