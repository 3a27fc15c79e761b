package io.llava4j.eval;

/**
 * PLLaVA's EvalDataset.get_index (tasks/eval/eval_utils.py): num_segments frames at the middles of equal segments of
 * [round(start*fps), round(end*fps)] clipped to [first_idx, max_frame]. Frame folders (MVBench episodic reasoning)
 * are read at 3 fps with first index 1.
 */
public final class PllavaFrames {
    private PllavaFrames() {}

    /** @param frameCount frames in the video (max_frame = frameCount - 1) */
    public static int[] indices(int frameCount, double fps, double start, double end, int segments, int firstIdx) {
        int maxFrame = frameCount - 1;
        long startIdx = Math.max(firstIdx, Math.round(Math.rint(start * fps)));
        long endIdx = Math.min(Math.round(Math.rint(end * fps)), maxFrame);
        double seg = (double) (endIdx - startIdx) / segments;
        int[] out = new int[segments];
        for (int k = 0; k < segments; k++) {
            int idx = (int) (startIdx + seg / 2 + Math.rint(seg * k));
            out[k] = Math.max(0, Math.min(maxFrame, idx - firstIdx));
        }
        return out;
    }
}
