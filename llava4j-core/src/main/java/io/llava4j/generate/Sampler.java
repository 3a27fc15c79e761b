package io.llava4j.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token id from a row of logits, with Hugging Face's semantics.
 *
 * <ul>
 *   <li><b>Greedy</b> ({@code temperature == 0}): argmax, the lowest id on ties. The repetition penalty, if not 1,
 *       is applied first (HF applies its logits processors in greedy search too).</li>
 *   <li><b>Sampling</b>, in HF's order ({@code GenerationMixin._get_logits_processor}):
 *     <ol>
 *       <li>repetition penalty ({@code RepetitionPenaltyLogitsProcessor}): for each distinct id in the history,
 *           {@code logit < 0 ? logit * penalty : logit / penalty};</li>
 *       <li>temperature: {@code logit / temperature};</li>
 *       <li>top-k ({@code TopKLogitsWarper}): logits below the k-th largest value are removed (ties with it stay);</li>
 *       <li>top-p ({@code TopPLogitsWarper}): sort ascending, cumulative softmax; tokens whose cumulative mass is
 *           {@code <= 1 - top_p} are removed, the most likely token always stays;</li>
 *       <li>draw from the softmax of what remains, with this sampler's seeded RNG ({@link SplittableRandom}).</li>
 *     </ol></li>
 * </ul>
 * The draw is deterministic for a given seed and logits sequence (it is not torch's RNG, so the sampled ids differ
 * from HF's). Not thread-safe: one sampler per generation. Buffers are allocated once (about 24 bytes per vocab
 * entry) and reused on every call; the caller's logits are never modified.
 *
 * <p>History ids outside {@code [0, vocab)} (e.g. LLaVA's {@code -200} image placeholder) are ignored by the penalty.
 */
public final class Sampler {

    private final SamplingParams params;
    private final int vocab;
    private SplittableRandom rng;

    // reused per-step buffers
    private final float[] work;
    private final float[] select;
    private final int[] cand;
    private final long[] keys;
    private final long[] seen;

    public Sampler(SamplingParams params, int vocabSize) {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        this.params = params;
        this.vocab = vocabSize;
        this.rng = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
        this.work = new float[vocabSize];
        this.seen = new long[(vocabSize + 63) >>> 6];
        boolean sampling = !params.isGreedy();
        this.select = sampling && params.topK() > 0 && params.topK() < vocabSize ? new float[vocabSize] : null;
        this.cand = sampling ? new int[vocabSize] : null;
        this.keys = sampling && params.topP() < 1.0 ? new long[vocabSize] : null;
    }

    public SamplingParams params() {
        return params;
    }

    public int vocabSize() {
        return vocab;
    }

    /** Restarts the RNG with {@code seed}. */
    public void reseed(long seed) {
        rng = new SplittableRandom(seed);
    }

    /** Next token with no history (the repetition penalty has nothing to act on). */
    public int sample(float[] logits) {
        return sample(logits, null, 0);
    }

    /**
     * @param logits        the last position's logits, length == vocab size; not modified
     * @param history       token ids so far (prompt and generated), used by the repetition penalty; may be null
     * @param historyLength how many entries of {@code history} are valid
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        checkLength(logits);
        if (params.isGreedy()) {
            if (params.repetitionPenalty() == 1.0 || historyLength == 0) return argmax(logits);
            System.arraycopy(logits, 0, work, 0, vocab);
            applyRepetitionPenalty(work, history, historyLength);
            return argmax(work);
        }
        int n = filter(logits, history, historyLength);
        // softmax over the survivors, then an inverse-CDF draw (candidates in ascending id order)
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, work[cand[i]]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp((double) work[cand[i]] - max);
        double u = rng.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += Math.exp((double) work[cand[i]] - max);
            if (u < acc) return cand[i];
        }
        return cand[n - 1]; // rounding: u landed on the very top
    }

    /**
     * The distribution {@link #sample} draws from after all processors, as a new full-vocab array (0 for removed
     * tokens; for greedy, 1 at the argmax). For inspection and tests: it allocates.
     */
    public float[] probabilities(float[] logits, int[] history, int historyLength) {
        checkLength(logits);
        float[] p = new float[vocab];
        if (params.isGreedy()) {
            p[sample(logits, history, historyLength)] = 1f;
            return p;
        }
        int n = filter(logits, history, historyLength);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, work[cand[i]]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp((double) work[cand[i]] - max);
        for (int i = 0; i < n; i++) p[cand[i]] = (float) (Math.exp((double) work[cand[i]] - max) / sum);
        return p;
    }

    /** Argmax over finite values (NaN ignored), lowest index on ties. */
    public static int argmax(float[] logits) {
        int best = -1;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            float v = logits[i];
            if (v > bestV || (best < 0 && v == Float.NEGATIVE_INFINITY)) {
                best = i;
                bestV = v;
            }
        }
        if (best < 0) throw new IllegalStateException("no usable logit (all NaN)");
        return best;
    }

    private void checkLength(float[] logits) {
        if (logits.length != vocab) {
            throw new IllegalArgumentException("logits length " + logits.length + " != vocab size " + vocab);
        }
    }

    /**
     * Runs penalty, temperature, top-k and top-p on a copy of the logits in {@link #work}; leaves the surviving ids,
     * ascending, in {@link #cand} and returns their count.
     */
    private int filter(float[] logits, int[] history, int historyLength) {
        System.arraycopy(logits, 0, work, 0, vocab);
        if (params.repetitionPenalty() != 1.0) applyRepetitionPenalty(work, history, historyLength);
        float t = (float) params.temperature();
        if (t != 1f) for (int i = 0; i < vocab; i++) work[i] = work[i] / t;

        // top-k: threshold = k-th largest value; everything strictly below is removed
        float kth = Float.NEGATIVE_INFINITY;
        int k = params.topK();
        if (k > 0 && k < vocab) {
            System.arraycopy(work, 0, select, 0, vocab);
            kth = kthLargest(select, vocab, k);
        }
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float v = work[i];
            // NaN and -inf never survive; with top-k on, v >= kth
            if (v >= kth && v != Float.NEGATIVE_INFINITY) cand[n++] = i;
        }
        if (n == 0) throw new IllegalStateException("every logit is -inf or NaN after filtering");
        if (params.topP() < 1.0) n = topP(n);
        return n;
    }

    /** HF TopPLogitsWarper on the current candidates; returns the new count (candidates stay in id order). */
    private int topP(int n) {
        // ascending by value, ties by id
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            int id = cand[i];
            float v = work[id];
            max = Math.max(max, v);
            keys[i] = ((long) sortable(v) << 32) | (id & 0xffffffffL);
        }
        Arrays.sort(keys, 0, n);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp((double) work[(int) keys[i]] - max);
        // float32 cumulative sum and threshold, as torch does on float32 scores
        float threshold = (float) (1.0 - params.topP());
        float cum = 0f;
        int firstKept = n - 1; // min_tokens_to_keep = 1: the largest always stays
        for (int i = 0; i < n - 1; i++) {
            cum += (float) (Math.exp((double) work[(int) keys[i]] - max) / sum);
            if (!(cum <= threshold)) {
                firstKept = i;
                break;
            }
        }
        // survivors are keys[firstKept..n); mark the removed ones -inf and compact cand in id order
        for (int i = 0; i < firstKept; i++) work[(int) keys[i]] = Float.NEGATIVE_INFINITY;
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (work[cand[i]] != Float.NEGATIVE_INFINITY) cand[m++] = cand[i];
        }
        return m;
    }

    /** HF's rule: for each distinct seen id, {@code x < 0 ? x * p : x / p}. */
    private void applyRepetitionPenalty(float[] x, int[] history, int len) {
        if (history == null || len == 0) return;
        if (len > history.length) throw new IllegalArgumentException("historyLength " + len + " > " + history.length);
        float p = (float) params.repetitionPenalty();
        for (int i = 0; i < len; i++) {
            int id = history[i];
            if (id < 0 || id >= vocab) continue;
            long bit = 1L << (id & 63);
            if ((seen[id >>> 6] & bit) != 0) continue;
            seen[id >>> 6] |= bit;
            float v = x[id];
            x[id] = v < 0 ? v * p : v / p;
        }
        for (int i = 0; i < len; i++) {
            int id = history[i];
            if (id >= 0 && id < vocab) seen[id >>> 6] = 0;
        }
    }

    /** Maps float order to signed-int order (so -inf < ... < -0 < 0 < ... < +inf). */
    private static int sortable(float v) {
        int bits = Float.floatToIntBits(v);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** The k-th largest of a[0..n) (1-based k), rearranging a; NaN treated as -inf. Average O(n). */
    static float kthLargest(float[] a, int n, int k) {
        for (int i = 0; i < n; i++) if (Float.isNaN(a[i])) a[i] = Float.NEGATIVE_INFINITY;
        int target = k - 1; // index in descending order
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            // median-of-three pivot
            int mid = (lo + hi) >>> 1;
            float pivot = median(a[lo], a[mid], a[hi]);
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    float tmp = a[i];
                    a[i] = a[j];
                    a[j] = tmp;
                    i++;
                    j--;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return a[target];
        }
        return a[target];
    }

    private static float median(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
