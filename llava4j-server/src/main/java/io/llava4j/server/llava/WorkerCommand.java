package io.llava4j.server.llava;

import io.llava4j.model.LoadOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code llava4j worker --controller URL --model DIR [--port 21002]}: a LLaVA model worker for a llava4j model. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "LLaVA's model worker: serves one model over LLaVA's HTTP protocol and registers with a controller.")
public final class WorkerCommand implements Callable<Integer> {
    @Option(names = {"--controller", "--controller-address"}, paramLabel = "URL", defaultValue = "http://127.0.0.1:21001",
            description = "The controller (default ${DEFAULT-VALUE}).") String controller;
    @Option(names = {"--model", "--model-path"}, required = true, paramLabel = "DIR") Path model;
    @Option(names = "--model-name", paramLabel = "NAME", description = "Name to register (default: the folder's name).") String modelName;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).") String host;
    @Option(names = "--port", defaultValue = "21002", description = "Port (default ${DEFAULT-VALUE}).") int port;
    @Option(names = "--worker-address", paramLabel = "URL", description = "URL the controller reaches this worker at (default http://HOST:PORT).") String workerAddress;
    @Option(names = "--queue-depth", defaultValue = "16", description = "Requests admitted at once, running and waiting (default ${DEFAULT-VALUE}).") int queueDepth;
    @Option(names = "--heart-beat-interval", defaultValue = "15", paramLabel = "SECONDS", description = "Default ${DEFAULT-VALUE}.") double heartBeatSeconds;
    @Option(names = "--speed", paramLabel = "N", description = "Report this speed instead of the measured tokens/s (the original reports 1).") Double speed;
    @Option(names = "--no-register", description = "Do not register with the controller.") boolean noRegister;
    @Option(names = "--max-new-tokens-cap", defaultValue = "1024", description = "Cap on max_new_tokens (default ${DEFAULT-VALUE}).") int maxNewTokensCap;
    @Option(names = "--max-image-pixels", defaultValue = "50000000") long maxImagePixels;
    @Option(names = "--vision-tower", paramLabel = "DIR") String visionTower;
    @Option(names = "--max-batch", defaultValue = "8", description = "Requests decoded together, step by step (1 = one at a time; default ${DEFAULT-VALUE}).") int maxBatch;

    @Override
    public Integer call() throws Exception {
        if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
        if (!(heartBeatSeconds > 0)) throw new IllegalArgumentException("--heart-beat-interval must be > 0, got " + heartBeatSeconds);
        WorkerConfig d = WorkerConfig.defaults(controller);
        WorkerConfig cfg = new WorkerConfig(host, port, controller, workerAddress, modelName, queueDepth,
                Duration.ofMillis(Math.round(heartBeatSeconds * 1000)), !noRegister, speed, maxNewTokensCap, d.maxRequestBytes(),
                maxImagePixels, d.maxImages());
        System.err.println("llava4j: loading " + model + " ...");
        try (ModelWorker w = ModelWorker.load(model, new LoadOptions(visionTower), cfg, maxBatch == 1 ? GenerationBackend.serial() : GenerationBackend.batching(maxBatch, queueDepth)).start()) {
            System.err.println("llava4j: worker " + w.modelName() + " on " + w.address() + (noRegister ? "" : " (registered with " + controller + ")"));
            Thread.currentThread().join();
        }
        return 0;
    }
}
