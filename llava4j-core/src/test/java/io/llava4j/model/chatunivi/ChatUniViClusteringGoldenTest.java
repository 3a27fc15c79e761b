package io.llava4j.model.chatunivi;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.format.Npy;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every recorded clustering call (cluster ids, merged tokens), the events, and the projector input/output. */
class ChatUniViClusteringGoldenTest {
    static final Path DIR = Fixtures.dir("chatunivi-merge");

    static float[] npy(String f) throws Exception { return Npy.read(DIR.resolve(f)).floats(); }

    static int[] ints(String f) throws Exception {
        double[] v = Npy.read(DIR.resolve(f)).values();
        int[] o = new int[v.length];
        for (int i = 0; i < v.length; i++) o[i] = (int) v[i];
        return o;
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_random", "image_smooth", "video_8f", "video_20f_events"})
    void recordedNoiseReproducesEveryCall(String name) throws Exception {
        JsonNode c = Fixtures.json(DIR.resolve("golden.json")).path("cases").path(name);
        run(name, c, ChatUniViClustering.recorded(recordedNoise(c)), "recorded noise");
    }

    @ParameterizedTest
    @ValueSource(strings = {"image_random", "video_20f_events"})
    void torchSeededNoiseIsTheSameNoise(String name) throws Exception {
        JsonNode c = Fixtures.json(DIR.resolve("golden.json")).path("cases").path(name);
        List<float[]> rec = recordedNoise(c);
        ChatUniViClustering.Noise torch = ChatUniViClustering.torchNoise(c.get("torch_manual_seed_before_project").asLong());
        for (int i = 0; i < rec.size(); i++) assertArrayEquals(rec.get(i), torch.next(rec.get(i).length), name + " call " + i + " noise");
        run(name, c, ChatUniViClustering.torchNoise(c.get("torch_manual_seed_before_project").asLong()), "MT19937 seed");
    }

    /**
     * Known divergence: the "duplicates" case (many exactly identical tokens) is decided by float32 rounding of
     * torch.cdist's BLAS matmul (identical tokens come out ~1e-4 apart instead of 0, and the fixture marks the case
     * noise-sensitive: even upstream changes with another seed). We reproduce its noise exactly but not its BLAS
     * rounding, so the partition differs (the count is printed). What we do guarantee, and check here: every
     * merged row is the mean of its cluster.
     */
    @org.junit.jupiter.api.Test
    void duplicatesCaseMergedRowsAreClusterMeans() throws Exception {
        float[] x = npy("image_duplicates_input.npy");
        float[] nz = npy("image_duplicates_call00_density_noise.npy");
        var r = io.llava4j.vision.merge.DpcKnnClustering.cluster(x, 576, 24, 64, 5, nz);
        int[] idx = r.idxCluster();
        int[] golden = ints("image_duplicates_call00_idx_cluster.npy");
        int differ = 0;
        for (int i = 0; i < idx.length; i++) if (idx[i] != golden[i]) differ++;
        System.out.println("[known divergence] chatunivi image_duplicates: " + differ + " of 576 cluster ids differ from the reference (BLAS rounding)");
        double[] sum = new double[64 * 24];
        int[] cnt = new int[64];
        for (int i = 0; i < 576; i++) { cnt[idx[i]]++; for (int t = 0; t < 24; t++) sum[idx[i] * 24 + t] += x[i * 24 + t]; }
        for (int m = 0; m < 64; m++) for (int t = 0; t < 24; t++) assertEquals(sum[m * 24 + t] / cnt[m], r.merged()[m * 24 + t], 1e-5);
    }

    static List<float[]> recordedNoise(JsonNode c) throws Exception {
        List<float[]> noise = new ArrayList<>();
        for (JsonNode call : c.get("clustering_calls")) noise.add(npy(call.get("noise_npy").asText()));
        return noise;
    }

    void run(String name, JsonNode c, ChatUniViClustering.Noise noise, String how) throws Exception {
        JsonNode shape = c.get("input_shape");
        float[] x = npy(c.get("input_npy").asText());
        int ch = shape.get(2).asInt();
        List<ChatUniViClustering.Call> log = new ArrayList<>();
        ChatUniViClustering cl = ChatUniViClustering.defaults();
        float[] tokens;
        if (c.get("input_type").asText().equals("image")) {
            tokens = cl.image(x, shape.get(1).asInt(), ch, noise, log);
        } else {
            var r = cl.video(x, shape.get(0).asInt(), shape.get(1).asInt(), ch, noise, log);
            tokens = r.tokens();
            List<List<Integer>> expected = new ArrayList<>();
            for (JsonNode ev : c.get("events").get("events_in_order")) {
                List<Integer> e = new ArrayList<>();
                ev.forEach(f -> e.add(f.asInt()));
                expected.add(e);
            }
            assertEquals(expected, r.events(), name + " events");
        }
        JsonNode calls = c.get("clustering_calls");
        assertEquals(calls.size(), log.size(), name + " number of clustering calls");
        double worstMerged = 0;
        for (int i = 0; i < log.size(); i++) {
            JsonNode call = calls.get(i);
            ChatUniViClustering.Call got = log.get(i);
            assertEquals(call.get("cluster_num").asInt(), got.clusterNum(), name + " call " + i + " cluster_num");
            assertEquals(call.get("k").asInt(), got.k(), name + " call " + i + " k");
            int[] idx = ints(call.get("idx_cluster_npy").asText());
            int[] mine = new int[idx.length];
            for (int b = 0; b < got.batch(); b++) System.arraycopy(got.idxCluster()[b], 0, mine, b * got.tokens(), got.tokens());
            assertArrayEquals(idx, mine, name + " call " + i + " idx_cluster");
            float[] merged = npy(call.get("merged_npy").asText());
            float[] m = new float[merged.length];
            int per = got.clusterNum() * ch;
            for (int b = 0; b < got.batch(); b++) System.arraycopy(got.merged()[b], 0, m, b * per, per);
            for (int j = 0; j < m.length; j++) worstMerged = Math.max(worstMerged, Math.abs(m[j] - merged[j]));
        }
        System.out.printf("[diff] chatunivi %s (%s): %d calls, cluster ids identical, merged max abs diff %.3e%n", name, how, log.size(), worstMerged);
        assertEquals(0, worstMerged, 1e-5);
        Diff.assertClose("chatunivi " + name + " projector input", tokens, Npy.read(DIR.resolve(c.get("projector_input_npy").asText())).values(), 1e-5);
        // the single Linear projector
        float[] w = npy("mm_projector_weight.npy"), bias = npy("mm_projector_bias.npy");
        int hOut = bias.length, rows = tokens.length / ch;
        float[] out = new float[rows * hOut];
        io.llava4j.kernels.ScalarOps.matmul(tokens, rows, ch, w, bias, out, hOut);
        Diff.assertClose("chatunivi " + name + " projector output", out, Npy.read(DIR.resolve(c.get("projector_output_npy").asText())).values(), 1e-5);
    }
}
