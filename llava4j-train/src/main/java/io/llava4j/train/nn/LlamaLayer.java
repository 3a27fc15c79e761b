package io.llava4j.train.nn;

import java.util.Arrays;

/**
 * One LLaMA decoder layer, forward and backward: x1 = x + o(attn(rope(q(n1)), rope(k(n1)), v(n1))) with
 * n1 = rmsnorm(x), then y = x1 + down(silu(gate(n2)) * up(n2)) with n2 = rmsnorm(x1). Causal attention with GQA over
 * positions 0..T-1 of one sequence (right padding never reaches real rows, so sequences run unpadded). Activations go to
 * an {@link Acts} the caller owns: one per layer, or one shared by all layers when the decoder recomputes them in the
 * backward pass.
 */
public final class LlamaLayer {
    public final int hidden, heads, kvHeads, headDim, inter;
    public final float eps;
    public final Rope rope;
    public final VectorWeight inputNorm, postNorm;
    public final Linear q, k, v, o, gate, up, down;

    /** What forward leaves for backward. */
    public static final class Acts {
        float[] xn1 = new float[0], rstd1 = new float[0], q = new float[0], k = new float[0], v = new float[0],
                att = new float[0], lse = new float[0], x1 = new float[0], xn2 = new float[0], rstd2 = new float[0],
                g = new float[0], u = new float[0], hm = new float[0];
        final Linear.Acts[] lin = new Linear.Acts[7];
        int T;
        int[] seg;

        public Acts() { for (int i = 0; i < 7; i++) lin[i] = new Linear.Acts(); }

        void ensure(LlamaLayer l, int T) {
            this.T = T;
            int h = l.hidden, qd = l.heads * l.headDim, kvd = l.kvHeads * l.headDim, I = l.inter;
            if (xn1.length < T * h) { xn1 = new float[T * h]; x1 = new float[T * h]; xn2 = new float[T * h]; }
            if (rstd1.length < T) { rstd1 = new float[T]; rstd2 = new float[T]; }
            if (q.length < T * qd) { q = new float[T * qd]; att = new float[T * qd]; }
            if (k.length < T * kvd) { k = new float[T * kvd]; v = new float[T * kvd]; }
            if (lse.length < l.heads * T) lse = new float[l.heads * T];
            if (g.length < T * I) { g = new float[T * I]; u = new float[T * I]; hm = new float[T * I]; }
        }
    }

    /** Backward scratch, shareable by all layers. */
    public static final class Scratch {
        float[] dxn = new float[0], dq = new float[0], dk = new float[0], dv = new float[0], datt = new float[0],
                dhm = new float[0], dg = new float[0], du = new float[0], dx1 = new float[0];

        void ensure(LlamaLayer l, int T) {
            int h = l.hidden, qd = l.heads * l.headDim, kvd = l.kvHeads * l.headDim, I = l.inter;
            if (dxn.length < T * h) { dxn = new float[T * h]; dx1 = new float[T * h]; }
            if (dq.length < T * qd) { dq = new float[T * qd]; datt = new float[T * qd]; }
            if (dk.length < T * kvd) { dk = new float[T * kvd]; dv = new float[T * kvd]; }
            if (dhm.length < T * I) { dhm = new float[T * I]; dg = new float[T * I]; du = new float[T * I]; }
        }
    }

    public LlamaLayer(int heads, int kvHeads, int headDim, float eps, Rope rope, VectorWeight inputNorm, VectorWeight postNorm,
                      Linear q, Linear k, Linear v, Linear o, Linear gate, Linear up, Linear down) {
        this.hidden = inputNorm.size();
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.inter = gate.out;
        this.eps = eps;
        this.rope = rope;
        this.inputNorm = inputNorm;
        this.postNorm = postNorm;
        this.q = q; this.k = k; this.v = v; this.o = o; this.gate = gate; this.up = up; this.down = down;
        if (q.out != heads * headDim || k.out != kvHeads * headDim || v.out != kvHeads * headDim || o.in != heads * headDim
                || o.out != hidden || up.out != inter || down.in != inter || down.out != hidden) {
            throw new IllegalArgumentException("decoder layer shapes do not fit hidden " + hidden + ", heads " + heads + "x" + headDim + ", kv " + kvHeads);
        }
    }

    /** The seven linear modules in PEFT's target order: q, k, v, o, gate, up, down. */
    public Linear[] linears() { return new Linear[] {q, k, v, o, gate, up, down}; }

    /** y (T, hidden) = layer(x) for one sequence; y must not be x. */
    public void forward(float[] x, int T, float[] y, Acts a, long seed) { forward(x, new int[] {0, T}, y, a, seed); }

    /**
     * y = layer(x) over packed sequences: rows [seg[i], seg[i+1]) are sequence i (attention and positions stay within
     * it; every other operation is row-wise, so each row gets the value it has alone).
     */
    public void forward(float[] x, int[] seg, float[] y, Acts a, long seed) {
        int T = seg[seg.length - 1];
        a.ensure(this, T);
        a.seg = seg;
        int h = hidden;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        RmsNorm.forward(x, T, h, inputNorm.values, eps, a.xn1, a.rstd1);
        q.forward(a.xn1, T, a.q, a.lin[0], seed * 7 + 0);
        k.forward(a.xn1, T, a.k, a.lin[1], seed * 7 + 1);
        v.forward(a.xn1, T, a.v, a.lin[2], seed * 7 + 2);
        rope.forward(a.q, seg, heads);
        rope.forward(a.k, seg, kvHeads);
        Attention.forward(a.q, a.k, a.v, seg, null, heads, kvHeads, headDim, scale, true, a.att, a.lse);
        o.forward(a.att, T, y, a.lin[3], seed * 7 + 3);
        for (int i = 0; i < T * h; i++) a.x1[i] = x[i] + y[i];
        RmsNorm.forward(a.x1, T, h, postNorm.values, eps, a.xn2, a.rstd2);
        gate.forward(a.xn2, T, a.g, a.lin[4], seed * 7 + 4);
        up.forward(a.xn2, T, a.u, a.lin[5], seed * 7 + 5);
        Act.swigluForward(a.g, a.u, a.hm, T * inter);
        down.forward(a.hm, T, y, a.lin[6], seed * 7 + 6);
        for (int i = 0; i < T * h; i++) y[i] += a.x1[i];
    }

    /**
     * dx (T, hidden) = dL/dx (overwritten) from dy = dL/dy; parameter gradients are added. x is the forward's input and
     * a its acts (which also hold the forward's sequences). dx may be dy.
     */
    public void backward(float[] dy, float[] x, int T, float[] dx, Acts a, Scratch s) {
        s.ensure(this, T);
        int h = hidden, I = inter, qd = heads * headDim, kvd = kvHeads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        // MLP branch: y = x1 + down(hm)
        System.arraycopy(dy, 0, s.dx1, 0, T * h);
        Arrays.fill(s.dhm, 0, T * I, 0f);
        down.backward(dy, a.hm, T, s.dhm, a.lin[6]);
        Arrays.fill(s.dg, 0, T * I, 0f);
        Arrays.fill(s.du, 0, T * I, 0f);
        Act.swigluBackward(s.dhm, a.g, a.u, s.dg, s.du, T * I);
        Arrays.fill(s.dxn, 0, T * h, 0f);
        gate.backward(s.dg, a.xn2, T, s.dxn, a.lin[4]);
        up.backward(s.du, a.xn2, T, s.dxn, a.lin[5]);
        RmsNorm.backward(s.dxn, a.x1, T, h, postNorm.values, a.rstd2, s.dx1, postNorm.grad());
        // attention branch: x1 = x + o(att)
        Arrays.fill(s.datt, 0, T * qd, 0f);
        o.backward(s.dx1, a.att, T, s.datt, a.lin[3]);
        Attention.backward(s.datt, a.q, a.k, a.v, a.att, a.lse, a.seg, null, heads, kvHeads, headDim, scale, true, s.dq, s.dk, s.dv);
        rope.backward(s.dq, a.seg, heads);
        rope.backward(s.dk, a.seg, kvHeads);
        Arrays.fill(s.dxn, 0, T * h, 0f);
        q.backward(s.dq, a.xn1, T, s.dxn, a.lin[0]);
        k.backward(s.dk, a.xn1, T, s.dxn, a.lin[1]);
        v.backward(s.dv, a.xn1, T, s.dxn, a.lin[2]);
        if (dx != s.dx1) System.arraycopy(s.dx1, 0, dx, 0, T * h);
        RmsNorm.backward(s.dxn, x, T, h, inputNorm.values, a.rstd1, dx, inputNorm.grad());
    }
}
