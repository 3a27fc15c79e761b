package io.llava4j.server;

import io.llava4j.media.ImageDecoder;
import io.llava4j.media.MediaException;
import io.llava4j.media.RgbImage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * Turns an image_url / video_url into bytes under the server's rules: data: URLs always; file:// only inside the
 * configured media folder; http(s) only when remote media are allowed; every size bounded.
 */
final class MediaFetcher {
    private final ServerConfig cfg;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();

    MediaFetcher(ServerConfig cfg) { this.cfg = cfg; }

    byte[] bytes(String url) {
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) throw ApiException.badRequest("media data: URL must be base64 (data:<type>;base64,...)");
            try {
                return Base64.getDecoder().decode(url.substring(comma + 1).replaceAll("\\s+", ""));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("media data: URL is not valid base64");
            }
        }
        if (url.startsWith("file:")) {
            if (cfg.mediaDir() == null) throw ApiException.badRequest("file:// media are not allowed on this server (start it with --media-dir)");
            Path p;
            try {
                p = Path.of(URI.create(url)).toRealPath();
            } catch (Exception e) {
                throw ApiException.badRequest("media file not found: " + url);
            }
            try {
                if (!p.startsWith(cfg.mediaDir().toRealPath())) throw ApiException.badRequest("media file is outside the allowed media folder");
                if (Files.size(p) > cfg.maxRequestBytes()) throw new ApiException(413, "invalid_request_error", "media_too_large", "media file is too large");
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw ApiException.badRequest("cannot read media file: " + e.getMessage());
            }
        }
        if (url.startsWith("http://") || url.startsWith("https://")) {
            if (!cfg.allowRemoteMedia()) throw ApiException.badRequest("remote media URLs are not allowed on this server (start it with --allow-remote-media)");
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) throw ApiException.badRequest("fetching " + url + " answered HTTP " + r.statusCode());
                if (r.body().length > cfg.maxRequestBytes()) throw new ApiException(413, "invalid_request_error", "media_too_large", "remote media is too large");
                return r.body();
            } catch (IOException e) {
                throw ApiException.badRequest("cannot fetch " + url + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.badRequest("interrupted");
            }
        }
        throw ApiException.badRequest("unsupported media URL scheme (data:, file://, http(s)://)");
    }

    RgbImage image(String url) {
        try {
            return ImageDecoder.decode(bytes(url), cfg.maxImagePixels());
        } catch (MediaException e) {
            String m = e.getMessage();
            if (m.contains("more than the limit")) throw new ApiException(413, "invalid_request_error", "image_too_large", m);
            throw ApiException.badRequest("image_url is not a readable image: " + m);
        }
    }
}
