package io.llava4j.server.llava;

import java.time.Duration;

/**
 * Worker settings. Defaults follow model_worker.py, except the bind address (loopback) and a bounded queue.
 * @param workerAddress   the URL the controller and clients reach this worker at (its worker_name); null = http://host:port
 * @param modelName       the name it registers; null = the model folder's name (parent_checkpoint-N for checkpoint-N)
 * @param queueDepth      requests admitted at once (running + waiting); more are answered 503 with error_code 1
 * @param fixedSpeed      the speed to report; null = measured generated tokens per second
 * @param maxNewTokensCap the cap on max_new_tokens (the original caps at 1024)
 */
public record WorkerConfig(String host, int port, String controllerAddress, String workerAddress, String modelName,
                           int queueDepth, Duration heartBeatInterval, boolean register, Double fixedSpeed,
                           int maxNewTokensCap, long maxRequestBytes, long maxImagePixels, int maxImages) {
    public WorkerConfig {
        if (queueDepth < 1) throw new IllegalArgumentException("queueDepth must be >= 1, got " + queueDepth);
        if (heartBeatInterval.isNegative() || heartBeatInterval.isZero()) throw new IllegalArgumentException("heartBeatInterval must be positive");
        if (fixedSpeed != null && !(fixedSpeed > 0)) throw new IllegalArgumentException("speed must be > 0, got " + fixedSpeed);
        if (register && (controllerAddress == null || controllerAddress.isBlank())) throw new IllegalArgumentException("a controller address is needed to register");
    }

    public static WorkerConfig defaults(String controllerAddress) {
        return new WorkerConfig("127.0.0.1", 21002, controllerAddress, null, null, 16, LlavaProtocol.HEART_BEAT_INTERVAL, true, null,
                1024, 64L << 20, 50_000_000L, 8);
    }

    public WorkerConfig withPort(int p) {
        return new WorkerConfig(host, p, controllerAddress, workerAddress, modelName, queueDepth, heartBeatInterval, register, fixedSpeed,
                maxNewTokensCap, maxRequestBytes, maxImagePixels, maxImages);
    }

    public WorkerConfig withHeartBeat(Duration interval) {
        return new WorkerConfig(host, port, controllerAddress, workerAddress, modelName, queueDepth, interval, register, fixedSpeed,
                maxNewTokensCap, maxRequestBytes, maxImagePixels, maxImages);
    }

    public WorkerConfig withQueueDepth(int depth) {
        return new WorkerConfig(host, port, controllerAddress, workerAddress, modelName, depth, heartBeatInterval, register, fixedSpeed,
                maxNewTokensCap, maxRequestBytes, maxImagePixels, maxImages);
    }

    public WorkerConfig withSpeed(Double speed) {
        return new WorkerConfig(host, port, controllerAddress, workerAddress, modelName, queueDepth, heartBeatInterval, register, speed,
                maxNewTokensCap, maxRequestBytes, maxImagePixels, maxImages);
    }

    public WorkerConfig withModelName(String name) {
        return new WorkerConfig(host, port, controllerAddress, workerAddress, name, queueDepth, heartBeatInterval, register, fixedSpeed,
                maxNewTokensCap, maxRequestBytes, maxImagePixels, maxImages);
    }
}
