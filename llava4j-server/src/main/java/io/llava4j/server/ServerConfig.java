package io.llava4j.server;

import java.nio.file.Path;
import java.util.Set;

/**
 * Server settings; the defaults are the safe ones: loopback only, no local files or remote URLs, bounded sizes.
 * @param apiKeys         accepted bearer keys; empty = no key required
 * @param mediaDir        file:// media are read only under this folder (null = never)
 * @param allowRemoteMedia http(s) media are fetched only when true
 * @param featureCacheBytes budget of the model's cache of encoded images/videos (0 = off)
 */
public record ServerConfig(String host, int port, Set<String> apiKeys, long maxRequestBytes, long maxImagePixels,
                           int maxMediaPerRequest, int maxPromptTokens, int maxOutputTokens, int queueDepth,
                           Path mediaDir, boolean allowRemoteMedia, int maxVideoFrames, long featureCacheBytes) {

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8000, Set.of(), 32L << 20, 50_000_000L, 8, 16_384, 4096, 16, null, false, 64, io.llava4j.mm.FeatureCache.DEFAULT_BYTES);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes);
    }

    public ServerConfig withApiKeys(Set<String> keys) {
        return new ServerConfig(host, port, keys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes);
    }

    public ServerConfig withLimits(long maxRequestBytes, long maxImagePixels, int queueDepth) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes);
    }

    public ServerConfig withFeatureCache(long bytes) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, bytes);
    }

    public ServerConfig withMedia(Path mediaDir, boolean allowRemoteMedia) {
        return new ServerConfig(host, port, apiKeys, maxRequestBytes, maxImagePixels, maxMediaPerRequest, maxPromptTokens, maxOutputTokens,
                queueDepth, mediaDir, allowRemoteMedia, maxVideoFrames, featureCacheBytes);
    }
}
