package io.llava4j.train.nn;

import java.util.Arrays;

/**
 * One CLIP ViT encoder layer, forward and backward: x1 = x + out_proj(attn(q(n1), k(n1), v(n1))) with
 * n1 = layer_norm1(x) (full attention, no RoPE, every projection with a bias), then y = x1 + fc2(act(fc1(n2))) with
 * n2 = layer_norm2(x1), act = quick_gelu (or gelu).
 */
public final class ClipLayer {
    public final int hidden, heads, headDim, inter;
    public final float eps;
    public final Act.Kind act;
    public final VectorWeight ln1w, ln1b, ln2w, ln2b;
    public final Linear q, k, v, o, fc1, fc2;

    public static final class Acts {
        float[] xn1 = new float[0], mean1 = new float[0], rstd1 = new float[0], q = new float[0], k = new float[0], v = new float[0],
                att = new float[0], lse = new float[0], x1 = new float[0], xn2 = new float[0], mean2 = new float[0], rstd2 = new float[0],
                f1 = new float[0], f1a = new float[0];
        final Linear.Acts[] lin = new Linear.Acts[6];
        int[] seg;

        public Acts() { for (int i = 0; i < 6; i++) lin[i] = new Linear.Acts(); }

        void ensure(ClipLayer l, int T) {
            int h = l.hidden, I = l.inter;
            if (xn1.length < T * h) { xn1 = new float[T * h]; q = new float[T * h]; k = new float[T * h]; v = new float[T * h]; att = new float[T * h]; x1 = new float[T * h]; xn2 = new float[T * h]; }
            if (mean1.length < T) { mean1 = new float[T]; rstd1 = new float[T]; mean2 = new float[T]; rstd2 = new float[T]; }
            if (lse.length < l.heads * T) lse = new float[l.heads * T];
            if (f1.length < T * I) { f1 = new float[T * I]; f1a = new float[T * I]; }
        }
    }

    public static final class Scratch {
        float[] dxn = new float[0], dq = new float[0], dk = new float[0], dv = new float[0], datt = new float[0], df1a = new float[0], df1 = new float[0], dx1 = new float[0];

        void ensure(ClipLayer l, int T) {
            int h = l.hidden, I = l.inter;
            if (dxn.length < T * h) { dxn = new float[T * h]; dq = new float[T * h]; dk = new float[T * h]; dv = new float[T * h]; datt = new float[T * h]; dx1 = new float[T * h]; }
            if (df1.length < T * I) { df1 = new float[T * I]; df1a = new float[T * I]; }
        }
    }

    public ClipLayer(int heads, float eps, Act.Kind act, VectorWeight ln1w, VectorWeight ln1b, Linear q, Linear k, Linear v, Linear o,
                     VectorWeight ln2w, VectorWeight ln2b, Linear fc1, Linear fc2) {
        this.hidden = ln1w.size();
        this.heads = heads;
        this.headDim = hidden / heads;
        this.inter = fc1.out;
        this.eps = eps;
        this.act = act;
        this.ln1w = ln1w; this.ln1b = ln1b; this.ln2w = ln2w; this.ln2b = ln2b;
        this.q = q; this.k = k; this.v = v; this.o = o; this.fc1 = fc1; this.fc2 = fc2;
        if (hidden % heads != 0 || q.out != hidden || o.out != hidden || fc2.in != inter || fc2.out != hidden) {
            throw new IllegalArgumentException("vision layer shapes do not fit hidden " + hidden + ", heads " + heads);
        }
    }

    public void forward(float[] x, int T, float[] y, Acts a, long seed) { forward(x, new int[] {0, T}, y, a, seed); }

    /** Packed images: rows [seg[i], seg[i+1]) are image i (attention stays within it). */
    public void forward(float[] x, int[] seg, float[] y, Acts a, long seed) {
        int T = seg[seg.length - 1];
        a.ensure(this, T);
        a.seg = seg;
        int h = hidden;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        LayerNorm.forward(x, T, h, ln1w.values, ln1b == null ? null : ln1b.values, eps, a.xn1, a.mean1, a.rstd1);
        q.forward(a.xn1, T, a.q, a.lin[0], seed * 6);
        k.forward(a.xn1, T, a.k, a.lin[1], seed * 6 + 1);
        v.forward(a.xn1, T, a.v, a.lin[2], seed * 6 + 2);
        Attention.forward(a.q, a.k, a.v, seg, null, heads, heads, headDim, scale, false, a.att, a.lse);
        o.forward(a.att, T, y, a.lin[3], seed * 6 + 3);
        for (int i = 0; i < T * h; i++) a.x1[i] = x[i] + y[i];
        LayerNorm.forward(a.x1, T, h, ln2w.values, ln2b == null ? null : ln2b.values, eps, a.xn2, a.mean2, a.rstd2);
        fc1.forward(a.xn2, T, a.f1, a.lin[4], seed * 6 + 4);
        Act.forward(act, a.f1, a.f1a, T * inter);
        fc2.forward(a.f1a, T, y, a.lin[5], seed * 6 + 5);
        for (int i = 0; i < T * h; i++) y[i] += a.x1[i];
    }

    /** dx = dL/dx (overwritten; may be dy); parameter gradients added. */
    public void backward(float[] dy, float[] x, int T, float[] dx, Acts a, Scratch s) {
        s.ensure(this, T);
        int h = hidden, I = inter;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        System.arraycopy(dy, 0, s.dx1, 0, T * h);
        Arrays.fill(s.df1a, 0, T * I, 0f);
        fc2.backward(dy, a.f1a, T, s.df1a, a.lin[5]);
        Arrays.fill(s.df1, 0, T * I, 0f);
        Act.backward(act, s.df1a, a.f1, s.df1, T * I);
        Arrays.fill(s.dxn, 0, T * h, 0f);
        fc1.backward(s.df1, a.xn2, T, s.dxn, a.lin[4]);
        LayerNorm.backward(s.dxn, a.x1, T, h, ln2w.values, a.mean2, a.rstd2, s.dx1, ln2w.grad(), ln2b == null ? null : ln2b.grad());
        Arrays.fill(s.datt, 0, T * h, 0f);
        o.backward(s.dx1, a.att, T, s.datt, a.lin[3]);
        Attention.backward(s.datt, a.q, a.k, a.v, a.att, a.lse, a.seg, null, heads, heads, headDim, scale, false, s.dq, s.dk, s.dv);
        Arrays.fill(s.dxn, 0, T * h, 0f);
        q.backward(s.dq, a.xn1, T, s.dxn, a.lin[0]);
        k.backward(s.dk, a.xn1, T, s.dxn, a.lin[1]);
        v.backward(s.dv, a.xn1, T, s.dxn, a.lin[2]);
        if (dx != s.dx1) System.arraycopy(s.dx1, 0, dx, 0, T * h);
        LayerNorm.backward(s.dxn, x, T, h, ln1w.values, a.mean1, a.rstd1, dx, ln1w.grad(), ln1b == null ? null : ln1b.grad());
    }
}
