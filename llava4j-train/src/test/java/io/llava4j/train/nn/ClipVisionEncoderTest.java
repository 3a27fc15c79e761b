package io.llava4j.train.nn;

import io.llava4j.train.Param;
import io.llava4j.train.testing.Fd;
import org.junit.jupiter.api.Test;

import java.util.Random;

class ClipVisionEncoderTest {
    static final Random R = new Random(21);

    static Param param(String name, float[] v, int... shape) { return new Param(name, shape, v, true, "default"); }

    static Linear lin(String name, int out, int in) {
        return new Linear(name, Weight.trainable(param(name + ".w", Fd.rand(R, out * in, 0.3f), out, in)),
                VectorWeight.trainable(param(name + ".b", Fd.rand(R, out, 0.1f), out)));
    }

    static VectorWeight ones(String name, int n) {
        float[] v = Fd.rand(R, n, 0.1f);
        for (int i = 0; i < n; i++) v[i] += 1;
        return VectorWeight.trainable(param(name, v, n));
    }

    @Test
    void embeddingsAndLayersAgainstFiniteDifferences() {
        for (boolean recompute : new boolean[] {true, false}) {
            int c = 3, p = 2, s = 4, h = 8, heads = 2, inter = 12, g = s / p, positions = g * g + 1;
            ClipLayer[] layers = new ClipLayer[2];
            for (int l = 0; l < 2; l++) {
                layers[l] = new ClipLayer(heads, 1e-5f, Act.Kind.QUICK_GELU, ones("ln1w" + l, h), VectorWeight.trainable(param("ln1b" + l, Fd.rand(R, h, 0.1f), h)),
                        lin("q" + l, h, h), lin("k" + l, h, h), lin("v" + l, h, h), lin("o" + l, h, h),
                        ones("ln2w" + l, h), VectorWeight.trainable(param("ln2b" + l, Fd.rand(R, h, 0.1f), h)), lin("fc1" + l, inter, h), lin("fc2" + l, h, inter));
            }
            Param patch = param("patch", Fd.rand(R, h * c * p * p, 0.3f), h, c * p * p);
            Param cls = param("cls", Fd.rand(R, h, 0.5f), h);
            Param pos = param("pos", Fd.rand(R, positions * h, 0.3f), positions, h);
            ClipVisionEncoder enc = new ClipVisionEncoder(c, p, s, Weight.trainable(patch), VectorWeight.trainable(cls), Weight.trainable(pos),
                    ones("prew", h), VectorWeight.trainable(param("preb", Fd.rand(R, h, 0.1f), h)), layers, 1e-5f, recompute);
            float[] pixels = Fd.rand(R, c * s * s, 1), rw = Fd.rand(R, positions * h, 1);
            ClipVisionEncoder.State st = new ClipVisionEncoder.State();
            java.util.function.DoubleSupplier loss = () -> Fd.dot(enc.forward(pixels, st, 7), rw, positions * h);
            loss.getAsDouble();
            enc.backward(rw, st);
            String tag = recompute ? " (recompute)" : "";
            Fd.check("clip encoder d patch" + tag, patch.data, patch.grad, loss, 20, 1e-2f, 2e-2);
            Fd.check("clip encoder d cls" + tag, cls.data, cls.grad, loss, 8, 1e-2f, 2e-2);
            Fd.check("clip encoder d pos" + tag, pos.data, pos.grad, loss, 20, 1e-2f, 2e-2);
            Fd.check("clip encoder d pre_layrnorm" + tag, enc.preLnW.values, enc.preLnW.grad(), loss, 8, 1e-2f, 2e-2);
            Fd.check("clip encoder d layer0 q" + tag, layers[0].q.w.dense, layers[0].q.w.param.grad, loss, 12, 1e-2f, 2e-2);
            Fd.check("clip encoder d layer0 fc1 bias" + tag, layers[0].fc1.b.values, layers[0].fc1.b.grad(), loss, 12, 1e-2f, 2e-2);
        }
    }
}
