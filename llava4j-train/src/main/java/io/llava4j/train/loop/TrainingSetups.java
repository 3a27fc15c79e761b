package io.llava4j.train.loop;

/**
 * Which {@link TrainingSetup} {@code llava4j train} uses.
 *
 * <p><b>Plug-in point:</b> the LLaVA training graph ({@code io.llava4j.train.llava}, built in parallel) is connected
 * here and nowhere else: {@link #llava()} returns the setup that loads {@code --model_name_or_path}, reads
 * {@code --data_path} with the {@code --version} template and masking, freezes per stage / LoRA, and saves in the
 * seeds' formats. Until that package is merged, it fails with a clear message (no training is faked).
 */
public final class TrainingSetups {
    private TrainingSetups() {}

    public static TrainingSetup llava() {
        // >>> PLUG IN: return new io.llava4j.train.llava.LlavaTrainingSetup();  (or whatever the graph's factory is named)
        return options -> {
            throw new UnsupportedOperationException("training a LLaVA model needs the training graph (io.llava4j.train.llava), "
                    + "which this build does not have yet");
        };
        // <<< PLUG IN
    }
}
