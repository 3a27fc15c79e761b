package io.llava4j.train.loop;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code llava4j train}: validates the options, prepares the model through a {@link TrainingSetup}, runs the loop, reports. */
public final class TrainRunner {
    private TrainRunner() {}

    public static Trainer.Result run(TrainOptions options, TrainingSetup setup, PrintStream out) throws IOException {
        options.validate();
        TrainingSetup.Prepared<?> p = setup.prepare(options);
        return run(options, p, out);
    }

    private static <S> Trainer.Result run(TrainOptions options, TrainingSetup.Prepared<S> p, PrintStream out) throws IOException {
        if (p.summary() != null && out != null) out.println("llava4j: " + p.summary());
        Trainer<S> trainer = new Trainer<>(p.model(), p.samples(), options.trainerConfig(), p.order(), p.saveHook(), out);
        if (out != null) {
            long trainable = p.model().params().stream().mapToLong(x -> x.size()).sum();
            out.printf(Locale.ROOT, "llava4j: %d samples, %d trainable parameters, %d optimizer steps (%d per epoch), output %s%n",
                    p.samples().size(), trainable, trainer.totalSteps(), trainer.stepsPerEpoch(), options.outputDir());
        }
        Trainer.Result r = trainer.train();
        if (out != null) {
            out.printf(Locale.ROOT, "llava4j: trained steps %d..%d in %.1f s, %,.0f tokens/s, peak heap %.0f MiB, peak RSS %s%n",
                    r.startStep() + 1, r.totalSteps(), r.seconds(), r.seconds() > 0 ? r.tokens() / r.seconds() : 0.0,
                    peakHeapMiB(), peakRss());
        }
        return r;
    }

    static double peakHeapMiB() {
        long sum = 0;
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
            if (b.getType() == MemoryType.HEAP && b.getPeakUsage() != null) sum += b.getPeakUsage().getUsed();
        }
        return sum / (1024.0 * 1024);
    }

    /** VmHWM from /proc/self/status (Linux), else "n/a". */
    static String peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return String.format(Locale.ROOT, "%.0f MiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "n/a";
    }
}
