package io.llava4j.mm;

import io.llava4j.media.RgbImage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A model's cache of encoded media: projected features keyed by a SHA-256 of the pixels (and what was computed
 * from them), so a multi-turn chat or a server conversation that sends the same image again skips the vision
 * tower. Least-recently-used entries are dropped past a byte budget; budget 0 disables it. Thread-safe; two
 * threads that miss on the same media at once both compute it (no lock is held while encoding).
 *
 * <p>Callers get a private copy of the features, so splicing or pooling them in place never changes the cache.
 */
public final class FeatureCache {

    /** Default budget: about 27 LLaVA-1.5-7B images (576 x 4096 floats each). */
    public static final long DEFAULT_BYTES = 256L << 20;

    private final LinkedHashMap<String, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long budgetBytes;
    private long bytes;
    private long hits;
    private long misses;

    public FeatureCache() { this(DEFAULT_BYTES); }

    public FeatureCache(long budgetBytes) { setBudget(budgetBytes); }

    /** Changes the byte budget (0 disables and empties the cache). */
    public synchronized void setBudget(long budgetBytes) {
        if (budgetBytes < 0) throw new IllegalArgumentException("feature cache budget must be >= 0, got " + budgetBytes);
        this.budgetBytes = budgetBytes;
        evict();
    }

    /** Features of one image; {@code kind} names the computation (e.g. "image", "frame"). */
    public float[] image(String kind, RgbImage image, Function<RgbImage, float[]> encode) {
        return get(key(kind, List.of(image)), () -> encode.apply(image));
    }

    /** Features of a whole video (its frames in order). */
    public float[] video(String kind, List<RgbImage> frames, Function<List<RgbImage>, float[]> encode) {
        return get(key(kind, frames), () -> encode.apply(frames));
    }

    private float[] get(String key, java.util.function.Supplier<float[]> compute) {
        synchronized (this) {
            if (budgetBytes > 0) {
                float[] hit = entries.get(key);
                if (hit != null) { hits++; return hit.clone(); }
            }
            misses++;
        }
        float[] computed = compute.get();
        synchronized (this) {
            long size = 4L * computed.length;
            if (budgetBytes > 0 && size <= budgetBytes && !entries.containsKey(key)) {
                entries.put(key, computed.clone());
                bytes += size;
                evict();
            }
        }
        return computed;
    }

    private void evict() {
        Iterator<Map.Entry<String, float[]>> it = entries.entrySet().iterator();
        while (bytes > budgetBytes && it.hasNext()) {
            bytes -= 4L * it.next().getValue().length;
            it.remove();
        }
    }

    public synchronized long hits() { return hits; }

    public synchronized long misses() { return misses; }

    public synchronized long bytes() { return bytes; }

    public synchronized int size() { return entries.size(); }

    public synchronized void clear() { entries.clear(); bytes = 0; }

    private static String key(String kind, List<RgbImage> images) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(kind.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        for (RgbImage im : images) {
            md.update(java.nio.ByteBuffer.allocate(8).putInt(im.width()).putInt(im.height()).array());
            md.update(im.data());
        }
        return java.util.HexFormat.of().formatHex(md.digest()) + ":" + images.size();
    }
}
