package io.llava4j.server;

import io.llava4j.model.LoadOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code llava4j serve --model DIR [--host 127.0.0.1] [--port 8000] ...}: the OpenAI-compatible server. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a model over an OpenAI-compatible HTTP API (loopback by default).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default ${DEFAULT-VALUE}).") String host;
    @Option(names = "--port", defaultValue = "8000", description = "Port (default ${DEFAULT-VALUE}).") int port;
    @Option(names = "--api-key", paramLabel = "KEY", description = "Accepted API key (repeatable); none = open.") Set<String> apiKeys = new HashSet<>();
    @Option(names = "--api-key-file", paramLabel = "FILE", description = "File with one API key per line.") Path apiKeyFile;
    @Option(names = "--max-request-bytes", defaultValue = "33554432") long maxRequestBytes;
    @Option(names = "--max-image-pixels", defaultValue = "50000000") long maxImagePixels;
    @Option(names = "--queue-depth", defaultValue = "16", description = "Requests that may wait for a batch slot; more get 503 with Retry-After (default ${DEFAULT-VALUE}).") int queueDepth;
    @Option(names = "--max-batch", defaultValue = "8", description = "Requests decoded together, step by step (continuous batching; 1 = one at a time; default ${DEFAULT-VALUE}).") int maxBatch;
    @Option(names = "--max-media", defaultValue = "8", description = "Images and videos per request (default ${DEFAULT-VALUE}).") int maxMedia;
    @Option(names = "--max-prompt-tokens", defaultValue = "16384", description = "Prompt positions, media rows included (default ${DEFAULT-VALUE}).") int maxPromptTokens;
    @Option(names = "--max-output-tokens", defaultValue = "4096", description = "Cap on max_tokens (default ${DEFAULT-VALUE}).") int maxOutputTokens;
    @Option(names = "--max-video-frames", defaultValue = "100000", description = "Frames a video file may have (default ${DEFAULT-VALUE}).") int maxVideoFrames;
    @Option(names = "--max-video-seconds", defaultValue = "3600", description = "Duration a video file may have (default ${DEFAULT-VALUE}).") double maxVideoSeconds;
    @Option(names = "--media-dir", paramLabel = "DIR", description = "Allow file:// media under this folder.") Path mediaDir;
    @Option(names = "--allow-remote-media", description = "Allow http(s) media URLs.") boolean allowRemote;
    @Option(names = "--vision-tower", paramLabel = "DIR") String visionTower;
    @Option(names = "--feature-cache-mib", defaultValue = "256", paramLabel = "MIB",
            description = "Memory for encoded images/videos reused across requests and turns (0 = off; default ${DEFAULT-VALUE}).")
    long featureCacheMib;

    @Override
    public Integer call() throws Exception {
        Set<String> keys = new HashSet<>(apiKeys);
        if (apiKeyFile != null) for (String l : Files.readAllLines(apiKeyFile)) if (!l.isBlank()) keys.add(l.strip());
        ServerConfig cfg = new ServerConfig(host, port, keys, maxRequestBytes, maxImagePixels, maxMedia, maxPromptTokens, maxOutputTokens, queueDepth,
                mediaDir, allowRemote, maxVideoFrames, featureCacheMib << 20, maxBatch, maxVideoSeconds);
        OpenAiServer server = new OpenAiServer(model, new LoadOptions(visionTower), cfg).start();
        System.err.println("llava4j: serving " + model.getFileName() + " on http://" + host + ":" + server.port() + "/v1 (loading the model...)");
        if (server.awaitReady(Long.MAX_VALUE)) System.err.println("llava4j: ready");
        Thread.currentThread().join();
        return 0;
    }
}
