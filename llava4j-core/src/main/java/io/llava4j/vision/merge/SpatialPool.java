package io.llava4j.vision.merge;

/**
 * 2-D pooling of a square patch grid (rows, hidden) with kernel = stride (nn.AvgPool2d / nn.MaxPool2d, floor
 * mode: a remainder row/column is dropped). Output rows in (y, x) order. Used by LLaVA-NeXT-Video before the
 * projector.
 */
public final class SpatialPool {
    private SpatialPool() {}

    public static float[] pool(float[] x, int side, int hidden, int stride, boolean max) {
        if (x.length != side * side * hidden) throw new IllegalArgumentException("pool: " + x.length + " values is not a " + side + "x" + side + "x" + hidden + " grid");
        int out = side / stride;
        float[] y = new float[out * out * hidden];
        for (int oy = 0; oy < out; oy++)
            for (int ox = 0; ox < out; ox++) {
                int o = (oy * out + ox) * hidden;
                for (int c = 0; c < hidden; c++) {
                    float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                    for (int ky = 0; ky < stride; ky++)
                        for (int kx = 0; kx < stride; kx++) {
                            float v = x[((oy * stride + ky) * side + ox * stride + kx) * hidden + c];
                            acc = max ? Math.max(acc, v) : acc + v;
                        }
                    y[o + c] = max ? acc : acc / (stride * stride);
                }
            }
        return y;
    }
}
