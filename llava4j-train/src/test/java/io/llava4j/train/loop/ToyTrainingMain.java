package io.llava4j.train.loop;

import java.nio.file.Path;

/** Runs {@link TrainerTest#toyConfig} training in its own process, so a test can kill it with SIGKILL and resume. */
public final class ToyTrainingMain {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        boolean resume = Boolean.parseBoolean(args[1]);
        long sleep = Long.parseLong(args[2]);
        ToyRegression m = new ToyRegression(6, 2, 1);
        m.sleepMillis = sleep;
        new Trainer<>(m, ToyRegression.data(40, 6, 2, 2), TrainerTest.toyConfig(out, resume), null, null, System.out, false).train();
    }
}
