package io.llava4j.cli;

/** A progress line on stderr (items, items/s, ETA); redrawn in place on a terminal, plain lines otherwise. */
final class Progress {
    private final int total;
    private final String label;
    private final long start = System.nanoTime();
    private final boolean tty = System.console() != null;
    private int done, fresh;
    private long lastPrint;

    Progress(int total, int alreadyDone, String label) {
        this.total = total;
        this.done = Math.min(alreadyDone, total);
        this.label = label;
        if (alreadyDone > 0) System.err.println(label + ": resuming, " + done + " of " + total + " already answered");
    }

    void step() {
        done++;
        fresh++;
        long now = System.nanoTime();
        if (tty || now - lastPrint > 5_000_000_000L || done == total) {
            lastPrint = now;
            double secs = (now - start) / 1e9, rate = fresh / Math.max(1e-9, secs);
            long eta = rate > 0 ? Math.round((total - done) / rate) : -1;
            String line = String.format("%s: %d/%d  %.2f items/s  ETA %s", label, done, total, rate, eta < 0 ? "?" : eta / 60 + "m" + eta % 60 + "s");
            if (tty) System.err.print("\r" + line);
            else System.err.println(line);
        }
    }

    void finish() {
        if (tty) System.err.println();
    }
}
