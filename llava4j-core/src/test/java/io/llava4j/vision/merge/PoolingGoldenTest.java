package io.llava4j.vision.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Npy;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** PLLaVA's projector pooling on every recorded case (incl. non-divisible shapes), plus the 2-D pools. */
class PoolingGoldenTest {
    @Test
    void adaptiveAvgPool3dMatchesEveryPllavaCase() throws Exception {
        Path g = Fixtures.dir("pllava-tiny").resolve("golden");
        int n = 0;
        for (JsonNode c : Fixtures.golden("pllava-tiny").get("pooling_cases").get("cases")) {
            JsonNode in = c.get("input_shape_frames_hw_c"), fs = c.get("frame_shape"), ps = c.get("pooling_shape");
            float[] x = Npy.read(g.resolve(c.get("input_npy").asText())).floats();
            float[] y = AdaptiveAvgPool3d.pool(x, in.get(0).asInt(), fs.get(0).asInt(), fs.get(1).asInt(), in.get(2).asInt(),
                    ps.get(0).asInt(), ps.get(1).asInt(), ps.get(2).asInt());
            Diff.assertClose("pool3d case " + n + " " + in + " -> " + ps, y, Npy.read(g.resolve(c.get("output_npy").asText())).values(), 1e-6);
            n++;
        }
        assertEquals(5, n);
    }

    @Test
    void twoDimensionalPools() {
        float[] x = new float[4 * 4];
        for (int i = 0; i < x.length; i++) x[i] = i;
        assertEquals(java.util.Arrays.toString(new float[] {2.5f, 4.5f, 10.5f, 12.5f}), java.util.Arrays.toString(SpatialPool.pool(x, 4, 1, 2, false)));
        assertEquals(java.util.Arrays.toString(new float[] {5, 7, 13, 15}), java.util.Arrays.toString(SpatialPool.pool(x, 4, 1, 2, true)));
        // bilinear 4 -> 2 with align_corners=False averages 2x2 blocks
        assertEquals(java.util.Arrays.toString(new float[] {2.5f, 4.5f, 10.5f, 12.5f}), java.util.Arrays.toString(BilinearResize.resize(x, 4, 4, 1, 2, 2)));
        // 3 -> 2 (odd): source coords 0.25 and 1.75
        float[] r = BilinearResize.resize(new float[] {0, 1, 2, 0, 1, 2, 0, 1, 2}, 3, 3, 1, 2, 2);
        assertEquals(0.25f, r[0], 1e-6);
        assertEquals(1.75f, r[1], 1e-6);
    }
}
