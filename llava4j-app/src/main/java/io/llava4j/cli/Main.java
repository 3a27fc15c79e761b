package io.llava4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * llava4j command line. Errors are one clear line on stderr and exit code 2 (stack traces with --debug).
 */
@Command(name = "llava4j", mixinStandardHelpOptions = true, version = "llava4j 0.1.0",
        description = "Pure-Java engine for LLaVA-family image and video language models.",
        subcommands = {
                ChatCommand.class,
                ProbeCommand.class,
                BenchCommand.class,
                MakeRandomModelCommand.class,
                QuantizeCommand.class,
                ConvertCommand.class,
                MakeDemoDataCommand.class,
                MakeDemoModelCommand.class,
                DemoEvalCommand.class,
                TrainCommand.class,
                io.llava4j.server.ServeCommand.class,
                io.llava4j.server.llava.ControllerCommand.class,
                io.llava4j.server.llava.WorkerCommand.class,
                io.llava4j.eval.EvalCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (chat, probe; see --help)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this). */
    public static int run(String... args) {
        boolean debug = false;
        for (String a : args) if (a.equals("--debug")) debug = true;
        final boolean showTrace = debug;
        CommandLine cl = new CommandLine(new Main());
        cl.getSubcommands().get("eval").addSubcommand("run", new EvalRunCommand());
        cl.getSubcommands().get("eval").addSubcommand("mini", new MiniBenchmarkCommand());
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (showTrace) ex.printStackTrace(cmd.getErr());
            else cmd.getErr().println("llava4j: " + oneLine(ex));
            cmd.getErr().flush();
            return 2;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("llava4j: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'llava4j " + (ex.getCommandLine() == cl ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'.");
            return 2;
        });
        return cl.execute(args);
    }

    /** The message of the root cause (or the exception class when there is none), on one line. */
    static String oneLine(Throwable ex) {
        Throwable t = ex;
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t instanceof java.util.concurrent.CompletionException)) t = t.getCause();
        String m = t.getMessage();
        if (m == null || m.isBlank()) m = t.getClass().getSimpleName();
        if (t instanceof OutOfMemoryError) m = "out of memory: " + m + " (raise -Xmx via LLAVA4J_JAVA_OPTS)";
        return m.replace('\n', ' ');
    }
}
