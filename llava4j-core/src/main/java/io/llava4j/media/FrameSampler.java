package io.llava4j.media;

/**
 * Chooses which frames of a video a model sees, as each seed's processor does. Indices are ascending and within
 * [0, frameCount).
 */
@FunctionalInterface
public interface FrameSampler {
    int[] indices(int frameCount, double fps);

    /** numpy {@code linspace(0, n-1, count).astype(int)}: Video-LLaVA (8), NeXT-Video and OneVision (uniform N). */
    static FrameSampler uniform(int count) {
        return (n, fps) -> {
            if (count == 1) return new int[] {0};
            // numpy: step = (stop - start) / (num - 1); y = arange(num) * step; y[-1] = stop; astype(int) truncates
            double step = (double) (n - 1) / (count - 1);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) out[i] = i == count - 1 ? n - 1 : (int) (i * step);
            return out;
        };
    }

    /** PLLaVA get_index: the middle of N equal segments of [0, n-1]: int(seg/2 + round(seg*k)). */
    static FrameSampler segmentMiddles(int count) {
        return (n, fps) -> {
            double seg = (double) (n - 1) / count;
            int[] out = new int[count];
            for (int k = 0; k < count; k++) out[k] = (int) (seg / 2 + Math.rint(seg * k));
            return out;
        };
    }

    /** Chat-UniVi: one frame per second (stride round(fps)), at most maxFrames picked by linspace. */
    static FrameSampler perSecond(double perSecond, int maxFrames) {
        return (n, fps) -> {
            int stride = Math.max(1, (int) Math.round(fps / perSecond));
            int all = (n + stride - 1) / stride;
            if (all <= maxFrames) {
                int[] out = new int[all];
                for (int i = 0; i < all; i++) out[i] = i * stride;
                return out;
            }
            int[] pick = uniform(maxFrames).indices(all, fps);
            for (int i = 0; i < pick.length; i++) pick[i] *= stride;
            return pick;
        };
    }

    /** Every frame (the probe command's contract). */
    static FrameSampler all() {
        return (n, fps) -> {
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = i;
            return out;
        };
    }
}
