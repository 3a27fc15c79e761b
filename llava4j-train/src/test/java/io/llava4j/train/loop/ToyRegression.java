package io.llava4j.train.loop;

import io.llava4j.train.Param;
import io.llava4j.train.TrainableModel;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A toy TrainableModel for the loop's tests: y = W x + b with mean squared error, plus input noise from a
 * resumable random stream (like dropout, so a resumed run must restore it). W decays and is in the default group;
 * b does not decay and is in the "mm_projector" group. {@code failAtCall} > 0 throws on that forwardBackward call
 * (a crash in the middle of a step).
 */
final class ToyRegression implements TrainableModel<ToyRegression.Sample>, ModelState {
    record Sample(float[] x, float[] y) {}

    final int in, out;
    final Param w, b;
    long noiseState;
    int calls;
    int failAtCall = -1;
    long sleepMillis;
    boolean noise = true;

    ToyRegression(int in, int out, long seed) {
        this.in = in;
        this.out = out;
        SplittableRandom r = new SplittableRandom(seed);
        float[] wv = new float[in * out];
        for (int i = 0; i < wv.length; i++) wv[i] = (float) (r.nextGaussian() * 0.1);
        w = new Param("w", new int[]{out, in}, wv, true, "default");
        b = new Param("b", new int[]{out}, new float[out], false, "mm_projector");
        noiseState = seed;
    }

    static List<Sample> data(int n, int in, int out, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] trueW = new float[in * out];
        for (int i = 0; i < trueW.length; i++) trueW[i] = (float) r.nextGaussian();
        List<Sample> s = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] x = new float[in], y = new float[out];
            for (int i = 0; i < in; i++) x[i] = (float) r.nextGaussian();
            for (int o = 0; o < out; o++) {
                double v = 0.5;
                for (int i = 0; i < in; i++) v += trueW[o * in + i] * x[i];
                y[o] = (float) v;
            }
            s.add(new Sample(x, y));
        }
        return s;
    }

    @Override public List<Param> params() { return List.of(w, b); }

    @Override
    public double forwardBackward(List<Sample> batch, float gradScale) {
        if (++calls == failAtCall) throw new IllegalStateException("simulated crash at forwardBackward call " + calls);
        if (sleepMillis > 0) {
            try { Thread.sleep(sleepMillis); } catch (InterruptedException e) { throw new RuntimeException(e); }
        }
        double loss = 0;
        float norm = 2f / (batch.size() * out);
        for (Sample s : batch) {
            float[] x = new float[in];
            for (int i = 0; i < in; i++) x[i] = s.x()[i] + (noise ? 0.01f * nextNoise() : 0f);
            for (int o = 0; o < out; o++) {
                float pred = b.data[o];
                for (int i = 0; i < in; i++) pred += w.data[o * in + i] * x[i];
                float d = pred - s.y()[o];
                loss += (double) d * d;
                float g = gradScale * norm * d;
                b.grad[o] += g;
                for (int i = 0; i < in; i++) w.grad[o * in + i] += g * x[i];
            }
        }
        return loss / (batch.size() * out);
    }

    /** A 64-bit LCG mapped to [-1, 1): its whole state is one long. */
    private float nextNoise() {
        noiseState = noiseState * 6364136223846793005L + 1442695040888963407L;
        return (float) ((noiseState >>> 40) / (double) (1L << 24) * 2 - 1);
    }

    @Override public int tokens(List<Sample> batch) { return batch.size() * in; }

    @Override public void saveState(DataOutputStream o) throws IOException { o.writeLong(noiseState); }

    @Override public void loadState(DataInputStream i) throws IOException { noiseState = i.readLong(); }
}
