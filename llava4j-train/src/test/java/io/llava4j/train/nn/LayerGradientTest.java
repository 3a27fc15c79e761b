package io.llava4j.train.nn;

import io.llava4j.train.Param;
import io.llava4j.train.testing.Fd;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Every forward/backward pair against finite differences of L = sum(out * R). */
class LayerGradientTest {
    static final Random R = new Random(11);

    static Param param(String name, float[] v, int... shape) { return new Param(name, shape, v, true, "default"); }

    @Test
    void linearWithBiasAndLora() {
        int n = 5, in = 7, out = 6, r = 3;
        for (float dropout : new float[] {0f, 0.3f}) {
            Param w = param("w", Fd.rand(R, out * in, 0.5f), out, in), b = param("b", Fd.rand(R, out, 0.5f), out);
            Param a = param("A", Fd.rand(R, r * in, 0.5f), r, in), bb = param("B", Fd.rand(R, out * r, 0.5f), out, r);
            Linear lin = new Linear("lin", Weight.trainable(w), VectorWeight.trainable(b)).withLora(a, bb, 2.0f, dropout);
            float[] x = Fd.rand(R, n * in, 1), rw = Fd.rand(R, n * out, 1);
            Linear.Acts acts = new Linear.Acts();
            float[] y = new float[n * out];
            java.util.function.DoubleSupplier loss = () -> { lin.forward(x, n, y, acts, 42); return Fd.dot(y, rw, n * out); };
            loss.getAsDouble();
            float[] dx = new float[n * in];
            lin.backward(rw, x, n, dx, acts);
            String tag = " dropout " + dropout;
            Fd.check("linear dx" + tag, x, dx, loss, 40, 1e-2f, 1e-2);
            Fd.check("linear dW" + tag, w.data, w.grad, loss, 40, 1e-2f, 1e-2);
            Fd.check("linear db" + tag, b.data, b.grad, loss, 40, 1e-2f, 1e-2);
            Fd.check("lora dA" + tag, a.data, a.grad, loss, 40, 1e-2f, 1e-2);
            Fd.check("lora dB" + tag, bb.data, bb.grad, loss, 40, 1e-2f, 1e-2);
        }
    }

    @Test
    void dropoutMaskIsDeterministicAndScaled() {
        int kept = 0, n = 100000;
        for (int i = 0; i < n; i++) {
            float f = Dropout.factor(5, i, 0.25f);
            assertTrue(f == 0f || Math.abs(f - 1f / 0.75f) < 1e-6);
            if (f != 0f) kept++;
            assertEquals(f, Dropout.factor(5, i, 0.25f));
        }
        assertEquals(0.75, kept / (double) n, 0.01);
    }

    @Test
    void rmsNorm() {
        int n = 4, d = 9;
        float[] x = Fd.rand(R, n * d, 1), w = Fd.rand(R, d, 1), rw = Fd.rand(R, n * d, 1), y = new float[n * d], rs = new float[n];
        java.util.function.DoubleSupplier loss = () -> { RmsNorm.forward(x, n, d, w, 1e-5f, y, rs); return Fd.dot(y, rw, n * d); };
        loss.getAsDouble();
        float[] dx = new float[n * d], dw = new float[d];
        RmsNorm.backward(rw, x, n, d, w, rs, dx, dw);
        Fd.check("rmsnorm dx", x, dx, loss, 36, 1e-2f, 1e-2);
        Fd.check("rmsnorm dw", w, dw, loss, 9, 1e-2f, 1e-2);
        // forward equals core's kernel
        loss.getAsDouble();
        float[] core = new float[n * d];
        io.llava4j.kernels.Norms.rmsNorm(x, n, d, w, 1e-5f, core);
        assertArrayEquals(core, y);
    }

    @Test
    void layerNorm() {
        int n = 3, d = 8;
        float[] x = Fd.rand(R, n * d, 1), w = Fd.rand(R, d, 1), b = Fd.rand(R, d, 1), rw = Fd.rand(R, n * d, 1), y = new float[n * d],
                mean = new float[n], rs = new float[n];
        java.util.function.DoubleSupplier loss = () -> { LayerNorm.forward(x, n, d, w, b, 1e-5f, y, mean, rs); return Fd.dot(y, rw, n * d); };
        loss.getAsDouble();
        float[] dx = new float[n * d], dw = new float[d], db = new float[d];
        LayerNorm.backward(rw, x, n, d, w, mean, rs, dx, dw, db);
        Fd.check("layernorm dx", x, dx, loss, 24, 1e-2f, 1e-2);
        Fd.check("layernorm dw", w, dw, loss, 8, 1e-2f, 1e-2);
        Fd.check("layernorm db", b, db, loss, 8, 1e-2f, 1e-2);
        loss.getAsDouble();
        float[] core = new float[n * d];
        io.llava4j.kernels.Norms.layerNorm(x, n, d, w, b, 1e-5f, core);
        for (int i = 0; i < core.length; i++) assertEquals(core[i], y[i], 1e-6f);
    }

    @Test
    void activations() {
        int n = 50;
        for (Act.Kind k : Act.Kind.values()) {
            float[] x = Fd.rand(R, n, 2), rw = Fd.rand(R, n, 1), y = new float[n];
            java.util.function.DoubleSupplier loss = () -> { Act.forward(k, x, y, n); return Fd.dot(y, rw, n); };
            loss.getAsDouble();
            float[] dx = new float[n];
            Act.backward(k, rw, x, dx, n);
            Fd.check("act " + k, x, dx, loss, n, 1e-2f, 1e-2);
        }
        float[] g = Fd.rand(R, n, 2), u = Fd.rand(R, n, 2), rw = Fd.rand(R, n, 1), hh = new float[n];
        java.util.function.DoubleSupplier loss = () -> { Act.swigluForward(g, u, hh, n); return Fd.dot(hh, rw, n); };
        loss.getAsDouble();
        float[] dg = new float[n], du = new float[n];
        Act.swigluBackward(rw, g, u, dg, du, n);
        Fd.check("swiglu dg", g, dg, loss, n, 1e-2f, 1e-2);
        Fd.check("swiglu du", u, du, loss, n, 1e-2f, 1e-2);
    }

    @Test
    void ropeMatchesCoreAndBackwardIsTheTranspose() {
        int T = 6, heads = 3, d = 8;
        Rope rope = new Rope(d, 10000);
        io.llava4j.llm.Rope core = new io.llava4j.llm.Rope(d, 10000);
        float[] x = Fd.rand(R, T * heads * d, 1), a = x.clone(), b = x.clone();
        rope.forward(a, T, heads);
        core.apply(b, T, heads, 0);
        assertArrayEquals(b, a);
        float[] rw = Fd.rand(R, T * heads * d, 1), y = new float[x.length];
        java.util.function.DoubleSupplier loss = () -> { System.arraycopy(x, 0, y, 0, x.length); rope.forward(y, T, heads); return Fd.dot(y, rw, y.length); };
        float[] dx = rw.clone();
        rope.backward(dx, T, heads);
        Fd.check("rope dx", x, dx, loss, 60, 1e-2f, 1e-3);
    }

    @Test
    void attentionCausalGqaAndFull() {
        int T = 7, H = 4, KV = 2, d = 5;
        for (boolean causal : new boolean[] {true, false}) {
            int kv = causal ? KV : H;
            float[] q = Fd.rand(R, T * H * d, 1), k = Fd.rand(R, T * kv * d, 1), v = Fd.rand(R, T * kv * d, 1), rw = Fd.rand(R, T * H * d, 1);
            float[] out = new float[T * H * d], lse = new float[H * T];
            float scale = (float) (1 / Math.sqrt(d));
            java.util.function.DoubleSupplier loss = () -> {
                Attention.forward(q, k, v, T, H, kv, d, scale, causal, T, out, lse);
                return Fd.dot(out, rw, out.length);
            };
            loss.getAsDouble();
            float[] dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
            Attention.backward(rw, q, k, v, out, lse, T, H, kv, d, scale, causal, T, dq, dk, dv);
            String tag = causal ? " causal gqa" : " full";
            Fd.check("attention dq" + tag, q, dq, loss, 60, 1e-2f, 1e-2);
            Fd.check("attention dk" + tag, k, dk, loss, 60, 1e-2f, 1e-2);
            Fd.check("attention dv" + tag, v, dv, loss, 60, 1e-2f, 1e-2);
            // forward equals core's attention kernel
            loss.getAsDouble();
            float[] core = new float[out.length];
            if (causal) io.llava4j.nn.Attention.causal(q, k, v, T, 0, H, kv, d, scale, 0, core);
            else io.llava4j.nn.Attention.full(q, k, v, T, H, d, scale, core);
            for (int i = 0; i < core.length; i++) assertEquals(core[i], out[i], 2e-5f, "attention vs core" + tag);
        }
    }

    @Test
    void paddingMaskGivesTheUnpaddedRows() {
        int T = 5, pad = 3, H = 2, d = 4;
        float[] q = Fd.rand(R, (T + pad) * H * d, 1), k = Fd.rand(R, (T + pad) * H * d, 1), v = Fd.rand(R, (T + pad) * H * d, 1);
        float scale = 0.5f;
        for (boolean causal : new boolean[] {true, false}) {
            float[] outP = new float[(T + pad) * H * d], lseP = new float[H * (T + pad)];
            Attention.forward(q, k, v, T + pad, H, H, d, scale, causal, T, outP, lseP);
            float[] out = new float[T * H * d], lse = new float[H * T];
            Attention.forward(Arrays.copyOf(q, T * H * d), Arrays.copyOf(k, T * H * d), Arrays.copyOf(v, T * H * d), T, H, H, d, scale, causal, T, out, lse);
            for (int i = 0; i < out.length; i++) assertEquals(out[i], outP[i], 1e-6f);
        }
    }

    @Test
    void crossEntropyAndFusedHead() {
        int T = 6, h = 5, V = 11;
        float[] hid = Fd.rand(R, T * h, 1);
        Param wp = param("head", Fd.rand(R, V * h, 1), V, h);
        Weight w = Weight.trainable(wp);
        int[] tg = {3, -100, 0, 10, -100, 7};
        LmHeadLoss head = new LmHeadLoss();
        float scale = 0.25f;
        java.util.function.DoubleSupplier loss = () -> head.forwardBackward(hid, T, h, tg, Weight.frozen("h", wp.data, V, h), 0f, null) * scale;
        float[] dh = new float[T * h];
        double l = head.forwardBackward(hid, T, h, tg, w, scale, dh);
        assertEquals(loss.getAsDouble(), l * scale, 1e-9);
        // reference: full logits, log-softmax in double
        double ref = 0;
        for (int t = 0; t < T; t++) {
            if (tg[t] < 0) continue;
            double[] lg = new double[V];
            double max = -1e30;
            for (int o = 0; o < V; o++) { for (int i = 0; i < h; i++) lg[o] += (double) hid[t * h + i] * wp.data[o * h + i]; max = Math.max(max, lg[o]); }
            double s = 0;
            for (int o = 0; o < V; o++) s += Math.exp(lg[o] - max);
            ref += max + Math.log(s) - lg[tg[t]];
        }
        assertEquals(ref, l, 1e-4);
        Fd.check("lm head dhidden", hid, dh, loss, 30, 1e-2f, 1e-2);
        Fd.check("lm head dW", wp.data, wp.grad, loss, 40, 1e-2f, 1e-2);
    }

    static Linear lin(String name, int out, int in, boolean bias, float s) {
        Param w = param(name + ".w", Fd.rand(R, out * in, s), out, in);
        return new Linear(name, Weight.trainable(w), bias ? VectorWeight.trainable(param(name + ".b", Fd.rand(R, out, s), out)) : null);
    }

    static LlamaLayer llamaLayer(int h, int H, int KV, int d, int I) {
        Rope rope = new Rope(d, 10000);
        float[] n1 = Fd.rand(R, h, 0.1f), n2 = Fd.rand(R, h, 0.1f);
        for (int i = 0; i < h; i++) { n1[i] += 1; n2[i] += 1; }
        return new LlamaLayer(H, KV, d, 1e-5f, rope, VectorWeight.trainable(param("n1", n1, h)), VectorWeight.trainable(param("n2", n2, h)),
                lin("q", H * d, h, false, 0.3f), lin("k", KV * d, h, false, 0.3f), lin("v", KV * d, h, false, 0.3f), lin("o", h, H * d, false, 0.3f),
                lin("gate", I, h, false, 0.3f), lin("up", I, h, false, 0.3f), lin("down", h, I, false, 0.3f));
    }

    @Test
    void llamaLayerWithLora() {
        int T = 6, h = 8, H = 4, KV = 2, d = 4, I = 12;
        LlamaLayer layer = llamaLayer(h, H, KV, d, I);
        Param a = param("qA", Fd.rand(R, 2 * h, 0.3f), 2, h), b = param("qB", Fd.rand(R, H * d * 2, 0.3f), H * d, 2);
        layer.q.withLora(a, b, 2f, 0f);
        float[] x = Fd.rand(R, T * h, 1), rw = Fd.rand(R, T * h, 1), y = new float[T * h];
        LlamaLayer.Acts acts = new LlamaLayer.Acts();
        java.util.function.DoubleSupplier loss = () -> { layer.forward(x, T, y, acts, 1); return Fd.dot(y, rw, T * h); };
        loss.getAsDouble();
        float[] dx = new float[T * h];
        layer.backward(rw, x, T, dx, acts, new LlamaLayer.Scratch());
        Fd.check("llama layer dx", x, dx, loss, 48, 1e-2f, 2e-2);
        Fd.check("llama layer d input_norm", layer.inputNorm.values, layer.inputNorm.grad(), loss, 8, 1e-2f, 2e-2);
        Fd.check("llama layer d post_norm", layer.postNorm.values, layer.postNorm.grad(), loss, 8, 1e-2f, 2e-2);
        for (Linear l : layer.linears()) Fd.check("llama layer d " + l.name, l.w.dense, l.w.param.grad, loss, 12, 1e-2f, 2e-2);
        Fd.check("llama layer d q lora A", a.data, a.grad, loss, 12, 1e-2f, 2e-2);
        Fd.check("llama layer d q lora B", b.data, b.grad, loss, 12, 1e-2f, 2e-2);
    }

    @Test
    void packedSequencesGiveEachRowItsOwnValue() {
        int h = 8, H = 4, KV = 2, d = 4, I = 12, T1 = 5, T2 = 7;
        LlamaLayer layer = llamaLayer(h, H, KV, d, I);
        float[] x = Fd.rand(R, (T1 + T2) * h, 1), y = new float[(T1 + T2) * h];
        layer.forward(x, new int[] {0, T1, T1 + T2}, y, new LlamaLayer.Acts(), 1);
        float[] y1 = new float[T1 * h], y2 = new float[T2 * h];
        layer.forward(Arrays.copyOf(x, T1 * h), T1, y1, new LlamaLayer.Acts(), 1);
        layer.forward(Arrays.copyOfRange(x, T1 * h, (T1 + T2) * h), T2, y2, new LlamaLayer.Acts(), 1);
        assertArrayEquals(y1, Arrays.copyOf(y, T1 * h));
        assertArrayEquals(y2, Arrays.copyOfRange(y, T1 * h, (T1 + T2) * h));
        // and the backward of the packed pair against finite differences
        float[] rw = Fd.rand(R, (T1 + T2) * h, 1);
        LlamaLayer.Acts acts = new LlamaLayer.Acts();
        java.util.function.DoubleSupplier loss = () -> { layer.forward(x, new int[] {0, T1, T1 + T2}, y, acts, 1); return Fd.dot(y, rw, y.length); };
        loss.getAsDouble();
        float[] dx = new float[x.length];
        layer.backward(rw, x, T1 + T2, dx, acts, new LlamaLayer.Scratch());
        Fd.check("packed llama layer dx", x, dx, loss, 60, 1e-2f, 2e-2);
    }

    @Test
    void clipLayer() {
        int T = 5, h = 8, H = 2, I = 16;
        float[] l1 = Fd.rand(R, h, 0.1f), l2 = Fd.rand(R, h, 0.1f);
        for (int i = 0; i < h; i++) { l1[i] += 1; l2[i] += 1; }
        ClipLayer layer = new ClipLayer(H, 1e-5f, Act.Kind.QUICK_GELU,
                VectorWeight.trainable(param("ln1w", l1, h)), VectorWeight.trainable(param("ln1b", Fd.rand(R, h, 0.1f), h)),
                lin("q", h, h, true, 0.3f), lin("k", h, h, true, 0.3f), lin("v", h, h, true, 0.3f), lin("o", h, h, true, 0.3f),
                VectorWeight.trainable(param("ln2w", l2, h)), VectorWeight.trainable(param("ln2b", Fd.rand(R, h, 0.1f), h)),
                lin("fc1", I, h, true, 0.3f), lin("fc2", h, I, true, 0.3f));
        float[] x = Fd.rand(R, T * h, 1), rw = Fd.rand(R, T * h, 1), y = new float[T * h];
        ClipLayer.Acts acts = new ClipLayer.Acts();
        java.util.function.DoubleSupplier loss = () -> { layer.forward(x, T, y, acts, 1); return Fd.dot(y, rw, T * h); };
        loss.getAsDouble();
        float[] dx = new float[T * h];
        layer.backward(rw, x, T, dx, acts, new ClipLayer.Scratch());
        Fd.check("clip layer dx", x, dx, loss, 40, 1e-2f, 2e-2);
        for (VectorWeight vw : new VectorWeight[] {layer.ln1w, layer.ln1b, layer.ln2w, layer.ln2b}) Fd.check("clip layer d " + vw.name, vw.values, vw.grad(), loss, 8, 1e-2f, 2e-2);
        for (Linear l : new Linear[] {layer.q, layer.k, layer.v, layer.o, layer.fc1, layer.fc2}) {
            Fd.check("clip layer d " + l.name + ".w", l.w.dense, l.w.param.grad, loss, 12, 1e-2f, 2e-2);
            Fd.check("clip layer d " + l.name + ".b", l.b.values, l.b.grad(), loss, 8, 1e-2f, 2e-2);
        }
    }

    @Test
    void decoderRecomputationGivesTheSameGradients() {
        int T = 9, h = 8, H = 2, KV = 1, d = 4, I = 10, V = 13, L = 3;
        float[][] grads = new float[2][];
        double[] losses = new double[2];
        for (int mode = 0; mode < 2; mode++) {
            Random keep = new Random(99);
            R.setSeed(5);
            LlamaLayer[] layers = new LlamaLayer[L];
            for (int l = 0; l < L; l++) layers[l] = llamaLayer(h, H, KV, d, I);
            float[] fn = new float[h];
            Arrays.fill(fn, 1f);
            LlamaDecoder dec = new LlamaDecoder(layers, VectorWeight.frozen("norm", fn), Weight.trainable(param("head", Fd.rand(R, V * h, 0.5f), V, h)), 1e-5f, mode == 0);
            float[] emb = Fd.rand(keep, T * h, 1);
            int[] tg = {1, 2, -100, 4, 5, 6, -100, 8, -100};
            float[] demb = new float[T * h];
            losses[mode] = dec.run(emb, T, tg, 0.2f, true, demb, 3);
            float[] all = Arrays.copyOf(demb, demb.length + L * h * h);
            for (int l = 0; l < L; l++) System.arraycopy(layers[l].q.w.param.grad, 0, all, demb.length + l * h * h, h * h);
            grads[mode] = all;
            assertEquals(losses[mode], dec.run(emb, T, tg, 0f, false, null, 3), 1e-9);
        }
        assertEquals(losses[0], losses[1], 0);
        assertArrayEquals(grads[0], grads[1]);
    }
}
