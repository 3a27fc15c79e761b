package io.llava4j.generate;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    private static SamplingParams sampling(double t) {
        return SamplingParams.defaults().withTemperature(t).withTopK(0).withSeed(7L);
    }

    private static float[] randomLogits(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 3);
        return x;
    }

    private static double[] softmax(double... x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) m = Math.max(m, v);
        double s = 0;
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) s += p[i] = Math.exp(x[i] - m);
        for (int i = 0; i < x.length; i++) p[i] /= s;
        return p;
    }

    private static void assertProbs(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "p[" + i + "]");
        }
    }

    @Test
    void greedyIsArgmaxLowestIdOnTies() {
        Sampler s = new Sampler(SamplingParams.greedy(), 5);
        assertEquals(1, s.sample(new float[] {1f, 3f, 3f, 2f, Float.NaN}));
        assertEquals(0, s.sample(new float[] {-1f, -1f, -1f, -1f, -1f}));
        assertEquals(4, s.sample(new float[] {Float.NEGATIVE_INFINITY, -5f, -4f, Float.NaN, 9f}));
    }

    @Test
    void seededSamplingIsDeterministic() {
        Random r = new Random(1);
        float[][] steps = new float[200][];
        for (int i = 0; i < steps.length; i++) steps[i] = randomLogits(r, 1000);
        SamplingParams p = SamplingParams.defaults().withTemperature(0.9).withTopP(0.95).withSeed(1234L);
        int[] a = run(new Sampler(p, 1000), steps);
        int[] b = run(new Sampler(p, 1000), steps);
        int[] c = run(new Sampler(p.withSeed(4321L), 1000), steps);
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
        Sampler s = new Sampler(p, 1000);
        int first = s.sample(steps[0]);
        s.reseed(1234L);
        assertEquals(first, s.sample(steps[0]));
    }

    private static int[] run(Sampler s, float[][] steps) {
        int[] ids = new int[steps.length];
        for (int i = 0; i < steps.length; i++) ids[i] = s.sample(steps[i], ids, i);
        return ids;
    }

    @Test
    void topK1IsGreedy() {
        Random r = new Random(2);
        for (long seed = 0; seed < 20; seed++) {
            Sampler topk1 = new Sampler(SamplingParams.defaults().withTemperature(1.5).withTopK(1).withSeed(seed), 512);
            for (int i = 0; i < 20; i++) {
                float[] x = randomLogits(r, 512);
                assertEquals(Sampler.argmax(x), topk1.sample(x));
            }
        }
    }

    @Test
    void topKKeepsTiesAtTheKthValue() {
        Sampler s = new Sampler(sampling(1.0).withTopK(2), 4);
        float[] p = s.probabilities(new float[] {3f, 2f, 2f, 1f}, null, 0);
        assertProbs(new double[] {softmax(3, 2, 2)[0], softmax(3, 2, 2)[1], softmax(3, 2, 2)[2], 0}, p, 1e-6);
        assertEquals(4, Sampler.kthLargest(new float[] {1, 5, 4, 2, 3}, 5, 2));
        assertEquals(1, Sampler.kthLargest(new float[] {1, 5, 4, 2, 3}, 5, 5));
    }

    @Test
    void topPKeepsTheNucleus() {
        // p = [0.5, 0.3, 0.15, 0.05]; ascending cumsum 0.05, 0.20, 0.50, 1.0
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        // top_p 0.75: remove cumsum <= 0.25 -> drops 0.05 and 0.15; keeps {0.5, 0.3} renormalised
        Sampler s = new Sampler(sampling(1.0).withTopP(0.75), 4);
        assertProbs(new double[] {0.625, 0.375, 0, 0}, s.probabilities(logits, null, 0), 1e-6);
        // top_p 0.9: remove cumsum <= 0.1 -> drops only 0.05
        assertProbs(new double[] {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0},
                new Sampler(sampling(1.0).withTopP(0.9), 4).probabilities(logits, null, 0), 1e-6);
        // top_p 0.4: only the most likely survives; a tiny top_p still keeps one token
        assertProbs(new double[] {1, 0, 0, 0},
                new Sampler(sampling(1.0).withTopP(0.4), 4).probabilities(logits, null, 0), 0);
        assertProbs(new double[] {1, 0, 0, 0},
                new Sampler(sampling(1.0).withTopP(1e-6), 4).probabilities(logits, null, 0), 0);
        // draws follow the nucleus
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++) counts[s.sample(logits)]++;
        assertEquals(0, counts[2] + counts[3]);
        assertEquals(0.625, counts[0] / 20000.0, 0.015);
        System.out.printf("[sampler] top_p=0.75 over [0.5,0.3,0.15,0.05]: counts %s (expected 0.625/0.375)%n",
                java.util.Arrays.toString(counts));
    }

    @Test
    void samplingFrequenciesFollowSoftmaxWithTemperature() {
        float[] logits = {1f, 0f, -1f, 2f};
        Sampler s = new Sampler(sampling(0.5), 4);
        double[] expected = softmax(2, 0, -2, 4);
        assertProbs(expected, s.probabilities(logits, null, 0), 1e-6);
        int n = 40000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) counts[s.sample(logits)]++;
        for (int i = 0; i < 4; i++) assertEquals(expected[i], counts[i] / (double) n, 0.01, "token " + i);
    }

    @Test
    void repetitionPenaltyHfSemantics() {
        float[] logits = {2f, -2f, 0.5f, 1f};
        int[] history = {0, 1, 1, 0, -200, 99}; // duplicates count once; out-of-range ids are ignored
        Sampler s = new Sampler(sampling(1.0).withRepetitionPenalty(2.0), 4);
        // seen: 0 (2 -> 2/2 = 1), 1 (-2 -> -2*2 = -4); unseen 2, 3 unchanged
        assertProbs(softmax(1, -4, 0.5, 1), s.probabilities(logits, history, history.length), 1e-6);
        // penalty < 1 rewards seen tokens
        assertProbs(softmax(4, -1, 0.5, 1),
                new Sampler(sampling(1.0).withRepetitionPenalty(0.5), 4).probabilities(logits, history, 2), 1e-6);
        // the penalty applies before temperature: (2/2)/0.5 = 2
        assertProbs(softmax(2, -8, 1, 2),
                new Sampler(sampling(0.5).withRepetitionPenalty(2.0), 4).probabilities(logits, history, 2), 1e-6);
        // greedy also applies it (HF runs processors in greedy search): 2/2=1 < 1.5
        Sampler g = new Sampler(SamplingParams.greedy().withRepetitionPenalty(2.0), 2);
        assertEquals(1, g.sample(new float[] {2f, 1.5f}, new int[] {0}, 1));
        assertEquals(0, g.sample(new float[] {2f, 1.5f}, new int[] {0}, 0));
        // the caller's logits are untouched
        assertArrayEquals(new float[] {2f, -2f, 0.5f, 1f}, logits);
        // marks are cleared between calls
        assertProbs(softmax(2, -2, 0.5, 1), s.probabilities(logits, history, 0), 1e-6);
    }

    @Test
    void rejectsWrongLogitsLength() {
        Sampler s = new Sampler(SamplingParams.greedy(), 4);
        assertThrows(IllegalArgumentException.class, () -> s.sample(new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(SamplingParams.greedy(), 0));
    }

    @Test
    void largeVocabTopKTopP() {
        // a realistic vocab with the default top_k=50 and a nucleus: the pick is always among the 50 largest
        Random r = new Random(3);
        int vocab = 152000;
        Sampler s = new Sampler(SamplingParams.defaults().withTemperature(0.7).withTopP(0.9).withSeed(9L), vocab);
        for (int step = 0; step < 5; step++) {
            float[] x = randomLogits(r, vocab);
            int id = s.sample(x);
            int larger = 0;
            for (float v : x) if (v > x[id]) larger++;
            assertTrue(larger < 50, "picked rank " + larger);
        }
    }

    @Test
    void validationNamesTheField() {
        SamplingParams d = SamplingParams.defaults();
        assertMessage("temperature", () -> d.withTemperature(-0.1));
        assertMessage("temperature", () -> d.withTemperature(Double.NaN));
        assertMessage("temperature", () -> d.withTemperature(Double.POSITIVE_INFINITY));
        assertMessage("topP", () -> d.withTopP(0));
        assertMessage("topP", () -> d.withTopP(1.01));
        assertMessage("topK", () -> d.withTopK(-1));
        assertMessage("repetitionPenalty", () -> d.withRepetitionPenalty(0));
        assertMessage("repetitionPenalty", () -> d.withRepetitionPenalty(Double.NaN));
        assertMessage("maxNewTokens", () -> d.withMaxNewTokens(0));
        assertMessage("stopStrings", () -> d.withStopStrings(List.of("")));
        assertMessage("stopStrings", () -> d.withStopStrings(null));
        assertTrue(d.isGreedy());
        assertEquals(50, d.topK());
        assertEquals(1.0, d.topP());
        assertEquals(1.0, d.repetitionPenalty());
        assertEquals(512, d.maxNewTokens());
    }

    private static void assertMessage(String field, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().startsWith(field), ex.getMessage());
    }
}
