package io.llava4j.spark;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the Spark build: {@code batch} runs here, every other command goes to the usual CLI (where
 * {@code eval run --engine spark} finds this module's {@link SparkAnswerEngine}). Also the main class of the
 * shaded jar given to spark-submit.
 */
public final class BatchMain {
    private BatchMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        if (args.length == 0 || !args[0].equals("batch")) return io.llava4j.cli.Main.run(args);
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        CommandLine cl = new CommandLine(new BatchCommand()).setCommandName("llava4j batch");
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (debug) ex.printStackTrace(cmd.getErr());
            else cmd.getErr().println("llava4j: " + rootMessage(ex));
            return 2;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("llava4j: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'llava4j batch --help'.");
            return 2;
        });
        return cl.execute(java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    /**
     * The most telling message: a Spark job failure wraps the executor's exception, whose message is the one that
     * explains (e.g. a model folder missing on a worker).
     */
    static String rootMessage(Throwable ex) {
        Throwable t = ex;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage() : ex.getMessage();
        if (m == null) m = t.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
