package io.llava4j.llm;

/**
 * Rotary position embedding in HF's rotate_half layout: dims i and i + d/2 form a pair.
 * inv_freq_i = 1 / theta^(2i/d), computed in float32 as transformers does.
 */
public final class Rope {
    private final int headDim;
    private final float[] invFreq;

    public Rope(int headDim, double theta) {
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
    }

    /** Rotates every head of rows x (n, heads*headDim), row i at position pos0 + i. */
    public void apply(float[] x, int n, int heads, int pos0) {
        int half = headDim / 2;
        float[] cos = new float[half], sin = new float[half];
        for (int t = 0; t < n; t++) {
            float pos = pos0 + t;
            for (int i = 0; i < half; i++) {
                float angle = pos * invFreq[i];
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                int o = (t * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float a = x[o + i], b = x[o + i + half];
                    x[o + i] = a * cos[i] - b * sin[i];
                    x[o + i + half] = b * cos[i] + a * sin[i];
                }
            }
        }
    }

    /**
     * Rotates every head of the one row {@code row} of x (rows of heads*headDim) as position pos (batched decoding:
     * each row of the batch is at its own position). Same arithmetic as {@link #apply(float[], int, int, int)}.
     */
    public void applyRow(float[] x, int row, int heads, int pos) {
        int half = headDim / 2;
        float[] cos = new float[half], sin = new float[half];
        for (int i = 0; i < half; i++) {
            float angle = (float) pos * invFreq[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        for (int h = 0; h < heads; h++) {
            int o = (row * heads + h) * headDim;
            for (int i = 0; i < half; i++) {
                float a = x[o + i], b = x[o + i + half];
                x[o + i] = a * cos[i] - b * sin[i];
                x[o + i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}
