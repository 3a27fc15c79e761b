package io.llava4j.vision.merge;

/**
 * DPC-KNN token clustering and merging as Chat-UniVi does it (cluster_dpc_knn + merge_tokens with unit weights),
 * for one set of N tokens of width C (row-major (N, C)):
 * <ol>
 *   <li>D = pairwise Euclidean distance / sqrt(C);</li>
 *   <li>density = exp(-mean of the k smallest squared distances of a row, self included) + noise (the reference
 *       adds torch.rand * 1e-6 to break ties);</li>
 *   <li>delta = distance to the nearest denser token (max of D for the densest);</li>
 *   <li>centres = the clusterNum highest delta * density (ties: lower index first), in score order = cluster ids;</li>
 *   <li>each token joins its nearest centre (ties: lower cluster id); centres join their own cluster;</li>
 *   <li>merged row of a cluster = sum x_i / (count + 1e-6), in cluster-id order.</li>
 * </ol>
 * Distances are computed in double and stored as float32, the rest in float32 as the reference does.
 */
public final class DpcKnnClustering {

    /** @param idxCluster cluster id of every token; merged (clusterNum, C) */
    public record Result(int[] idxCluster, float[] merged) {}

    private DpcKnnClustering() {}

    public static Result cluster(float[] x, int n, int c, int clusterNum, int k, float[] noise) {
        if (clusterNum > n) throw new IllegalArgumentException("cannot make " + clusterNum + " clusters from " + n + " tokens");
        if (k > n) throw new IllegalArgumentException("k=" + k + " neighbours but only " + n + " tokens");
        float[] d = distances(x, n, c);
        float dMax = 0;
        for (float v : d) dMax = Math.max(dMax, v);
        float[] density = new float[n];
        float[] row = new float[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(d, i * n, row, 0, n);
            java.util.Arrays.sort(row);
            float sum = 0;
            for (int t = 0; t < k; t++) sum += row[t] * row[t];
            density[i] = (float) Math.exp(-(sum / k)) + (noise == null ? 0f : noise[i]);
        }
        float[] score = new float[n];
        for (int i = 0; i < n; i++) {
            float delta = dMax;
            for (int j = 0; j < n; j++) if (density[j] > density[i]) delta = Math.min(delta, d[i * n + j]);
            score[i] = delta * density[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> score[a] != score[b] ? Float.compare(score[b], score[a]) : Integer.compare(a, b));
        int[] centres = new int[clusterNum];
        for (int i = 0; i < clusterNum; i++) centres[i] = order[i];
        int[] idx = new int[n];
        for (int j = 0; j < n; j++) {
            int best = 0;
            for (int m = 1; m < clusterNum; m++) if (d[centres[m] * n + j] < d[centres[best] * n + j]) best = m;
            idx[j] = best;
        }
        for (int m = 0; m < clusterNum; m++) idx[centres[m]] = m;
        return new Result(idx, merge(x, n, c, idx, clusterNum));
    }

    /**
     * torch.cdist(x, x) / C**0.5 as the reference computes it in float32 for more than 25 rows: the "mm" form
     * sqrt(clamp_min(|a|^2 + |b|^2 - 2 a.b, 1e-30)), so identical tokens are not exactly 0 apart — which decides
     * ties between duplicate tokens the way the reference does.
     */
    static float[] distances(float[] x, int n, int c) {
        float[] norm = new float[n];
        for (int i = 0; i < n; i++) {
            float s = 0;
            for (int t = 0; t < c; t++) s += x[i * c + t] * x[i * c + t];
            norm[i] = s;
        }
        float scale = (float) Math.sqrt(c);
        float[] d = new float[n * n];
        boolean mm = n > 25;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float v;
                if (mm) {
                    float s = 0;
                    for (int t = 0; t < c; t++) s += (-2f * x[i * c + t]) * x[j * c + t];
                    s += norm[i];
                    s += norm[j];
                    v = (float) Math.sqrt(Math.max(s, 1e-30f));
                } else {
                    double s = 0;
                    for (int t = 0; t < c; t++) { double diff = (double) x[i * c + t] - x[j * c + t]; s += diff * diff; }
                    v = (float) Math.sqrt(s);
                }
                d[i * n + j] = v / scale;
            }
        }
        return d;
    }

    /** merge_tokens with unit weights: cluster mean with the reference's +1e-6 in the count. */
    public static float[] merge(float[] x, int n, int c, int[] idx, int clusterNum) {
        float[] count = new float[clusterNum];
        for (int i = 0; i < n; i++) count[idx[i]] += 1f;
        float[] out = new float[clusterNum * c];
        for (int i = 0; i < n; i++) {
            float w = 1f / (count[idx[i]] + 1e-6f);
            for (int t = 0; t < c; t++) out[idx[i] * c + t] += x[i * c + t] * w;
        }
        return out;
    }
}
