package io.llava4j.mm;

import io.llava4j.media.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeatureCacheTest {

    private final AtomicInteger calls = new AtomicInteger();

    private float[] encode(RgbImage im) {
        calls.incrementAndGet();
        float[] f = new float[256]; // 1 KiB
        for (int i = 0; i < f.length; i++) f[i] = im.get(0, 0, 0) + i;
        return f;
    }

    @Test
    void sameFeaturesForSamePixelsAndOnlyOneEncode() {
        FeatureCache c = new FeatureCache(1 << 20);
        float[] a = c.image("image", RgbImage.filled(4, 4, 9, 0, 0), this::encode);
        float[] b = c.image("image", RgbImage.filled(4, 4, 9, 0, 0), this::encode); // equal pixels, other object
        assertArrayEquals(a, b);
        assertEquals(1, calls.get());
        assertEquals(1, c.hits());
        assertEquals(1, c.misses());
        b[0] = -1; // callers own their copy
        assertEquals(9f, c.image("image", RgbImage.filled(4, 4, 9, 0, 0), this::encode)[0]);
    }

    @Test
    void keyCoversPixelsSizeKindAndFrames() {
        FeatureCache c = new FeatureCache(1 << 20);
        c.image("image", RgbImage.filled(4, 4, 9, 0, 0), this::encode);
        c.image("image", RgbImage.filled(4, 4, 9, 0, 1), this::encode); // one channel differs
        c.image("image", RgbImage.filled(8, 2, 9, 0, 0), this::encode); // same bytes count, other shape
        c.image("frame", RgbImage.filled(4, 4, 9, 0, 0), this::encode); // other computation
        RgbImage f = RgbImage.filled(4, 4, 1, 2, 3);
        c.video("video", List.of(f, f), v -> encode(v.getFirst()));
        c.video("video", List.of(f, f, f), v -> encode(v.getFirst())); // more frames
        assertEquals(6, calls.get());
        assertEquals(0, c.hits());
    }

    @Test
    void leastRecentlyUsedGoesFirstPastTheBudget() {
        FeatureCache c = new FeatureCache(2 * 1024); // two entries
        RgbImage x = RgbImage.filled(2, 2, 1, 0, 0), y = RgbImage.filled(2, 2, 2, 0, 0), z = RgbImage.filled(2, 2, 3, 0, 0);
        c.image("i", x, this::encode);
        c.image("i", y, this::encode);
        c.image("i", x, this::encode); // x now most recent
        c.image("i", z, this::encode); // evicts y
        assertEquals(2, c.size());
        assertEquals(2048, c.bytes());
        int before = calls.get();
        c.image("i", x, this::encode);
        assertEquals(before, calls.get(), "x stayed");
        c.image("i", y, this::encode);
        assertEquals(before + 1, calls.get(), "y was evicted");
    }

    @Test
    void zeroBudgetDisablesAndNegativeIsRefused() {
        FeatureCache c = new FeatureCache(1 << 20);
        c.image("i", RgbImage.filled(2, 2, 1, 0, 0), this::encode);
        c.setBudget(0);
        assertEquals(0, c.size());
        c.image("i", RgbImage.filled(2, 2, 1, 0, 0), this::encode);
        c.image("i", RgbImage.filled(2, 2, 1, 0, 0), this::encode);
        assertEquals(3, calls.get());
        assertEquals(0, c.bytes());
        assertThrows(IllegalArgumentException.class, () -> c.setBudget(-1));
    }
}
