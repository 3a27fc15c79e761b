package io.llava4j.server.llava;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code llava4j controller [--host 127.0.0.1] [--port 21001] [--dispatch-method shortest_queue|lottery]}. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = "LLaVA's controller: workers register here, clients ask it for a worker (LLaVA's HTTP protocol), plus an OpenAI endpoint over the workers.")
public final class ControllerCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).") String host;
    @Option(names = "--port", defaultValue = "21001", description = "Port (default ${DEFAULT-VALUE}).") int port;
    @Option(names = "--dispatch-method", defaultValue = "shortest_queue", paramLabel = "METHOD",
            description = "shortest_queue or lottery (default ${DEFAULT-VALUE}).") String dispatch;
    @Option(names = "--heart-beat-expiration", defaultValue = "30", paramLabel = "SECONDS",
            description = "Drop a worker silent this long (default ${DEFAULT-VALUE}).") double expirationSeconds;

    @Override
    public Integer call() throws Exception {
        if (!(expirationSeconds > 0)) throw new IllegalArgumentException("--heart-beat-expiration must be > 0, got " + expirationSeconds);
        ControllerConfig cfg = new ControllerConfig(host, port, DispatchMethod.parse(dispatch),
                Duration.ofMillis(Math.round(expirationSeconds * 1000)), ControllerConfig.defaults().maxRequestBytes());
        try (Controller c = new Controller(cfg).start()) {
            System.err.println("llava4j: controller on " + c.url() + " (dispatch " + dispatch + "; OpenAI API at " + c.url() + "/v1)");
            Thread.currentThread().join();
        }
        return 0;
    }
}
