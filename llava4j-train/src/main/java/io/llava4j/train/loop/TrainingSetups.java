package io.llava4j.train.loop;

/**
 * Which {@link TrainingSetup} {@code llava4j train} uses.
 *
 * <p>The LLaVA training graph ({@code io.llava4j.train.llava}) is connected here and nowhere else: {@link #llava()}
 * returns the setup that loads {@code --model_name_or_path}, reads {@code --data_path} with the {@code --version}
 * template and masking, freezes per stage / LoRA, and saves in the seeds' formats.
 */
public final class TrainingSetups {
    private TrainingSetups() {}

    public static TrainingSetup llava() {
        return new io.llava4j.train.llava.LlavaTrainingSetup();
    }
}
