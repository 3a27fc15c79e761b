package io.llava4j.server.llava;

import java.time.Duration;

/**
 * Controller settings. Defaults are controller.py's, except the bind address: loopback.
 * @param expiration a worker that must heartbeat and has been silent this long is dropped; the table is
 *                   swept this often too (controller.py sleeps CONTROLLER_HEART_BEAT_EXPIRATION between sweeps)
 */
public record ControllerConfig(String host, int port, DispatchMethod dispatch, Duration expiration, long maxRequestBytes) {
    public ControllerConfig {
        if (expiration.isNegative() || expiration.isZero()) throw new IllegalArgumentException("expiration must be positive, got " + expiration);
        if (maxRequestBytes < 1) throw new IllegalArgumentException("maxRequestBytes must be positive, got " + maxRequestBytes);
    }

    public static ControllerConfig defaults() {
        return new ControllerConfig("127.0.0.1", 21001, DispatchMethod.SHORTEST_QUEUE, LlavaProtocol.HEART_BEAT_EXPIRATION, 64L << 20);
    }

    public ControllerConfig withPort(int p) { return new ControllerConfig(host, p, dispatch, expiration, maxRequestBytes); }

    public ControllerConfig withDispatch(DispatchMethod d) { return new ControllerConfig(host, port, d, expiration, maxRequestBytes); }

    public ControllerConfig withExpiration(Duration e) { return new ControllerConfig(host, port, dispatch, e, maxRequestBytes); }
}
