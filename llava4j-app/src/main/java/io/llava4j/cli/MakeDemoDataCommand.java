package io.llava4j.cli;

import io.llava4j.train.demo.DemoDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llava4j make-demo-data --out DIR --train N --test M --seed S}: the synthetic shapes dataset of the demo model. */
@Command(name = "make-demo-data", mixinStandardHelpOptions = true,
        description = "Write the synthetic shapes dataset (PNG scenes, stage-1 captions, stage-2 conversations, held-out test questions).")
final class MakeDemoDataCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created).") Path out;
    @Option(names = "--train", defaultValue = "10000", paramLabel = "N", description = "Training scenes (default ${DEFAULT-VALUE}).") int train;
    @Option(names = "--test", defaultValue = "200", paramLabel = "M", description = "Held-out scenes (default ${DEFAULT-VALUE}).") int test;
    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--min-shapes", defaultValue = "1", paramLabel = "K",
            description = "Fewest shapes in a training scene, 1-3 (default ${DEFAULT-VALUE}: 1-3 shapes; 2 makes a curriculum of scenes where a question names one shape among several). Test scenes keep the default mix.") int minShapes;
    @Option(names = "--image-size", defaultValue = "64", paramLabel = "PX", description = "Side of the square images (default ${DEFAULT-VALUE}).") int imageSize;

    @Override
    public Integer call() throws Exception {
        if (train < 0 || test < 0) throw new IllegalArgumentException("--train and --test must not be negative");
        long t0 = System.nanoTime();
        DemoDataset.Summary s = DemoDataset.write(out, train, test, seed, imageSize, minShapes);
        System.err.printf("llava4j: wrote %d training scenes (%d stage-2 turns) and %d test scenes (%d questions) to %s in %.1f s%n",
                s.trainScenes(), s.stage2Turns(), s.testScenes(), s.testQuestions(), out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
