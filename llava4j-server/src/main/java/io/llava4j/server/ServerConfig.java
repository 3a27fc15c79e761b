package io.llava4j.server;

import java.nio.file.Path;
import java.util.Set;

/**
 * Server settings; the defaults are the safe ones: loopback only, no local files or remote URLs, bounded sizes.
 * @param apiKeys         accepted bearer keys; empty = no key required
 * @param mediaDir        file:// media are read only under this folder (null = never)
 * @param allowRemoteMedia http(s) media are fetched only when true
 * @param featureCacheBytes budget of the model's cache of encoded images/videos (0 = off)
 * @param queueDepth      requests that may wait for a batch slot (more: 503 queue_full with Retry-After)
 * @param maxBatch        sequences decoded together, step by step (continuous batching; 1 = one at a time)
 * @param maxVideoFrames  frames a video file may have (decoding stops with a 400 beyond it)
 * @param maxVideoSeconds duration a video file may have
 */
public record ServerConfig(String host, int port, Set<String> apiKeys, long maxRequestBytes, long maxImagePixels,
                           int maxMediaPerRequest, int maxPromptTokens, int maxOutputTokens, int queueDepth,
                           Path mediaDir, boolean allowRemoteMedia, int maxVideoFrames, long featureCacheBytes, int maxBatch,
                           double maxVideoSeconds) {

    public ServerConfig {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (queueDepth < 0) throw new IllegalArgumentException("queue depth must be >= 0, got " + queueDepth);
        if (maxVideoFrames < 1) throw new IllegalArgumentException("max video frames must be >= 1, got " + maxVideoFrames);
        if (!(maxVideoSeconds > 0)) throw new IllegalArgumentException("max video seconds must be > 0, got " + maxVideoSeconds);
        if (maxPromptTokens < 1 || maxOutputTokens < 1 || maxMediaPerRequest < 0) throw new IllegalArgumentException("prompt/output token limits must be >= 1 and the media limit >= 0");
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8000, Set.of(), 32L << 20, 50_000_000L, 8, 16_384, 4096, 16, null, false, 100_000, io.llava4j.mm.FeatureCache.DEFAULT_BYTES, 8, 3600);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes, maxBatch, maxVideoSeconds);
    }

    public ServerConfig withApiKeys(Set<String> keys) {
        return new ServerConfig(host, port, keys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes, maxBatch, maxVideoSeconds);
    }

    public ServerConfig withLimits(long maxRequestBytes, long maxImagePixels, int queueDepth) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes, maxBatch, maxVideoSeconds);
    }

    public ServerConfig withFeatureCache(long bytes) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, bytes, maxBatch, maxVideoSeconds);
    }

    /** Continuous batching: at most maxBatch sequences decoded together, at most queueDepth waiting. */
    public ServerConfig withBatching(int maxBatch, int queueDepth) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes, maxBatch, maxVideoSeconds);
    }

    public ServerConfig withMedia(Path mediaDir, boolean allowRemoteMedia) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes, maxBatch, maxVideoSeconds);
    }

    /** The request limits: media per request, prompt positions, output tokens, and a video file's frames and seconds. */
    public ServerConfig withLimits(int media, int promptTokens, int outputTokens, int videoFrames, double videoSeconds) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, media, promptTokens, outputTokens,
                queueDepth, mediaDir, allowRemoteMedia, videoFrames, featureCacheBytes, maxBatch, videoSeconds);
    }
}
