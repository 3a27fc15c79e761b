package io.llava4j.train.loop;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress: on a terminal one line redrawn in place ({@code [#####-----] step 12/100 loss 2.345 lr 1.0e-04
 * 1,234 tok/s ETA 0:12:34}); otherwise plain lines every {@code every} steps and at the last step. Throughput and ETA
 * count only this run's steps (a resumed run does not divide by time it did not spend).
 */
final class ProgressBar {
    private final PrintStream out;
    private final boolean terminal;
    private final int every;
    private final long total;
    private final long startStep;
    private final long startNanos = System.nanoTime();
    private long tokens;

    ProgressBar(PrintStream out, boolean terminal, int every, long startStep, long total) {
        this.out = out;
        this.terminal = terminal;
        this.every = every;
        this.startStep = startStep;
        this.total = total;
    }

    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    void update(StepRecord r) {
        tokens += r.tokens();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long done = r.step() - startStep;
        double tokPerSec = elapsed > 0 ? tokens / elapsed : 0;
        double eta = done > 0 ? elapsed / done * (total - r.step()) : 0;
        String stats = String.format(Locale.ROOT, "step %d/%d loss %.4f lr %.2e grad_norm %.3f %,.0f tok/s ETA %s",
                r.step(), total, r.loss(), r.learningRate(), r.gradNorm(), tokPerSec, clock(eta));
        if (terminal) {
            int width = 24, filled = (int) (width * r.step() / Math.max(1, total));
            out.print("\r[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + stats + "   ");
            if (r.step() == total) out.println();
            out.flush();
        } else if (r.step() % every == 0 || r.step() == total) {
            out.println(stats);
        }
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
