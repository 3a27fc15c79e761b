package io.llava4j.model.chatunivi;

import io.llava4j.vision.merge.DpcKnnClustering;
import io.llava4j.vision.merge.Mt19937;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chat-UniVi's token merging (arch.py project(), before the projector), on CLIP features of width C:
 * <ul>
 *   <li>image (N, C): ctm0 (64 clusters, k 5) -> ctm1 (32, k 3) on those -> ctm2 (16, k 3); output [64 | 32 | 16];</li>
 *   <li>video (T, N, C): ctm3 on the per-frame mean tokens (ceil(T * 1/16) clusters) decides the events (frames
 *       grouped by cluster id, in order of first appearance); ctm0/1/2 per frame; then per event the frames'
 *       level-l tokens are concatenated and clustered again by ctm_l; output [64 | 32 | 16] per event.</li>
 * </ul>
 * Tie-breaking noise: the reference adds {@code torch.rand(B, N) * 1e-6} to the densities from torch's global
 * generator. {@link #torchNoise(long)} reproduces it for a seed (our default: seed 0, so runs are deterministic);
 * for videos of at most 48 frames that noise alone decides the events. Rates > 1 are cluster counts, <= 1 ratios.
 */
public final class ChatUniViClustering {

    /** Supplies the (already scaled) density noise for one clustering call of {@code count} tokens. */
    public interface Noise { float[] next(int count); }

    /** One clustering call, for inspection: its cluster ids and merged tokens per batch item. */
    public record Call(int batch, int tokens, int clusterNum, int k, int[][] idxCluster, float[][] merged) {}

    private final double[] spatialRates;
    private final int[] spatialK = {5, 3, 3};
    private final double temporalRate;
    private final int temporalK = 5;

    public ChatUniViClustering(double rate0, double rate1, double rate2, double temporalRate) {
        this.spatialRates = new double[] {rate0, rate1, rate2};
        this.temporalRate = temporalRate;
    }

    public static ChatUniViClustering defaults() { return new ChatUniViClustering(64, 32, 16, 1.0 / 16); }

    /** torch.manual_seed(seed); torch.rand(...) * 1e-6 per call. */
    public static Noise torchNoise(long seed) {
        Mt19937 rng = new Mt19937(seed);
        return count -> {
            float[] n = new float[count];
            for (int i = 0; i < count; i++) n[i] = rng.nextTorchFloat() * 1e-6f;
            return n;
        };
    }

    /** Recorded noise arrays, one per call in order. */
    public static Noise recorded(List<float[]> calls) {
        var it = calls.iterator();
        return count -> {
            if (!it.hasNext()) throw new IllegalStateException("no recorded noise left");
            float[] n = it.next();
            if (n.length != count) throw new IllegalStateException("recorded noise has " + n.length + " values, the call needs " + count);
            return n;
        };
    }

    static int clusterCount(double rate, int n) {
        int c = rate > 1 ? (int) Math.ceil(rate) : Math.max((int) Math.ceil(n * rate), 1);
        return Math.min(c, n);
    }

    static int neighbours(int k, int clusterNum) {
        return k > clusterNum ? Math.min(3, Math.max(clusterNum / 2, 1)) : k;
    }

    /** One CTM call on a batch (B, N, C): returns merged (B, K, C) and records the call. */
    private float[] ctm(float[] x, int b, int n, int c, double rate, int k0, Noise noise, List<Call> log, List<int[]> idxOut) {
        int cn = clusterCount(rate, n), k = Math.min(neighbours(k0, cn), n);
        float[] nz = noise.next(b * n);
        float[] out = new float[b * cn * c];
        int[][] idx = new int[b][];
        float[][] merged = new float[b][];
        for (int i = 0; i < b; i++) {
            float[] xi = java.util.Arrays.copyOfRange(x, i * n * c, (i + 1) * n * c);
            var r = DpcKnnClustering.cluster(xi, n, c, cn, k, java.util.Arrays.copyOfRange(nz, i * n, (i + 1) * n));
            System.arraycopy(r.merged(), 0, out, i * cn * c, cn * c);
            idx[i] = r.idxCluster();
            merged[i] = r.merged();
        }
        if (log != null) log.add(new Call(b, n, cn, k, idx, merged));
        if (idxOut != null) idxOut.add(idx[0]);
        return out;
    }

    /** Rows an image becomes: the three level sizes summed (112 with the defaults and enough patches). */
    public int imageTokens(int patches) {
        int n0 = clusterCount(spatialRates[0], patches), n1 = clusterCount(spatialRates[1], n0), n2 = clusterCount(spatialRates[2], n1);
        return n0 + n1 + n2;
    }

    /** Image features (N, C) -> merged (L0 + L1 + L2, C). */
    public float[] image(float[] x, int n, int c, Noise noise, List<Call> log) {
        float[] l0 = ctm(x, 1, n, c, spatialRates[0], spatialK[0], noise, log, null);
        int n0 = l0.length / c;
        float[] l1 = ctm(l0, 1, n0, c, spatialRates[1], spatialK[1], noise, log, null);
        int n1 = l1.length / c;
        float[] l2 = ctm(l1, 1, n1, c, spatialRates[2], spatialK[2], noise, log, null);
        return concat(List.of(l0, l1, l2));
    }

    /** The events of a video: frame indices grouped by temporal cluster, in order of first appearance. */
    public record VideoResult(float[] tokens, List<List<Integer>> events) {}

    /** Video features (T, N, C) -> (per event L0 + L1 + L2, C), events in order. */
    public VideoResult video(float[] x, int t, int n, int c, Noise noise, List<Call> log) {
        float[] means = new float[t * c];
        for (int f = 0; f < t; f++) {
            for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) means[f * c + ch] += x[(f * n + i) * c + ch];
            for (int ch = 0; ch < c; ch++) means[f * c + ch] /= n;
        }
        List<int[]> idxOut = new ArrayList<>();
        ctm(means, 1, t, c, temporalRate, temporalK, noise, log, idxOut);
        int[] frameCluster = idxOut.getFirst();
        Map<Integer, List<Integer>> byCluster = new LinkedHashMap<>();
        for (int f = 0; f < t; f++) byCluster.computeIfAbsent(frameCluster[f], key -> new ArrayList<>()).add(f);
        List<List<Integer>> events = new ArrayList<>(byCluster.values());

        float[] l0 = ctm(x, t, n, c, spatialRates[0], spatialK[0], noise, log, null);
        int n0 = l0.length / t / c;
        float[] l1 = ctm(l0, t, n0, c, spatialRates[1], spatialK[1], noise, log, null);
        int n1 = l1.length / t / c;
        float[] l2 = ctm(l1, t, n1, c, spatialRates[2], spatialK[2], noise, log, null);
        int n2 = l2.length / t / c;
        List<float[]> out = new ArrayList<>();
        for (List<Integer> ev : events) {
            out.add(ctm(gather(l0, ev, n0, c), 1, ev.size() * n0, c, spatialRates[0], spatialK[0], noise, log, null));
            out.add(ctm(gather(l1, ev, n1, c), 1, ev.size() * n1, c, spatialRates[1], spatialK[1], noise, log, null));
            out.add(ctm(gather(l2, ev, n2, c), 1, ev.size() * n2, c, spatialRates[2], spatialK[2], noise, log, null));
        }
        return new VideoResult(concat(out), events);
    }

    private static float[] gather(float[] perFrame, List<Integer> frames, int n, int c) {
        float[] g = new float[frames.size() * n * c];
        for (int i = 0; i < frames.size(); i++) System.arraycopy(perFrame, frames.get(i) * n * c, g, i * n * c, n * c);
        return g;
    }

    private static float[] concat(List<float[]> parts) {
        int len = 0;
        for (float[] p : parts) len += p.length;
        float[] o = new float[len];
        int off = 0;
        for (float[] p : parts) { System.arraycopy(p, 0, o, off, p.length); off += p.length; }
        return o;
    }
}
