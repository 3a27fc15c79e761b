package io.llava4j.bench;

import io.llava4j.kernels.Activations;
import io.llava4j.kernels.AttentionKernel;
import io.llava4j.kernels.MatVec;
import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.ScalarOps;
import io.llava4j.kernels.TiledMatMul;
import io.llava4j.kernels.Vec;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Quant;
import io.llava4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Timing of the kernels on real LLaVA shapes, medians of several runs after warm-up, at 1 thread and all cores:
 * <ul>
 *   <li>decode matrix-vector (4096 x 4096) for every storage type, rotating over enough matrices (>= 256 MB) that
 *       the weights come from memory, not cache, with the GB/s of weights read;</li>
 *   <li>the tiled matrix-matrix kernel on F16 / Q8_0 / Q4_K weights (CLIP-L MLP and a LLaMA-7B projection);</li>
 *   <li>fused attention (CLIP-L: 577 tokens, 16 heads of 64; LLaMA-7B prefill: 594 causal, 32 heads of 128);</li>
 *   <li>exact GELU over a CLIP-L MLP activation (577 x 4096) against its double twin.</li>
 * </ul>
 * Usage: {@code java --add-modules jdk.incubator.vector -cp llava4j-core/target/classes io.llava4j.bench.KernelBench [runs] [sections]}
 * with sections a comma list of decode, gemm, attention, gelu (default all); {@code -Dllava4j.bench.types=Q4_0,Q8_0}
 * limits the decode section to those storage types.
 */
public final class KernelBench {
    private KernelBench() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        String sections = args.length > 1 ? args[1] : "decode,gemm,attention,gelu";
        System.out.println("# " + Vec.describe() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        for (int threads : new int[] {1, Runtime.getRuntime().availableProcessors()}) {
            Parallel.setThreads(threads);
            if (sections.contains("decode")) for (DType t : decodeTypes()) decode(t, threads, runs);
            if (sections.contains("gemm")) {
                for (DType t : new DType[] {DType.F16, DType.Q8_0, DType.Q4_K}) {
                    gemm(t, 577, 1024, 4096, threads, runs);
                    gemm(t, 128, 4096, 4096, threads, runs);
                }
            }
            if (sections.contains("attention")) {
                attention(577, 16, 64, false, threads, runs);
                attention(594, 32, 128, true, threads, runs);
            }
        }
        if (sections.contains("gelu")) gelu(runs);
    }

    static Tensor weights(DType t, int out, int in, SplittableRandom r) {
        float[] wf = new float[out * in];
        for (int i = 0; i < wf.length; i++) wf[i] = (float) r.nextGaussian() * 0.02f;
        if (t.isQuantized()) return new Tensor("w", t, new long[] {out, in}, Quant.quantize(t, wf));
        MemorySegment s = Arena.ofAuto().allocate((long) out * in * t.bytes(), 64);
        for (int i = 0; i < wf.length; i++) {
            switch (t) {
                case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, wf[i]);
                case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(wf[i]));
                default -> s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToIntBits(wf[i]) >>> 16));
            }
        }
        return new Tensor("w", t, new long[] {out, in}, s);
    }

    static double median(int runs, Runnable op) {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            op.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }

    /** The storage types of the decode section: all, or those named in -Dllava4j.bench.types=Q4_0,Q8_0. */
    static DType[] decodeTypes() {
        String only = System.getProperty("llava4j.bench.types");
        if (only != null) return java.util.Arrays.stream(only.split(",")).map(String::trim).map(DType::valueOf).toArray(DType[]::new);
        return new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q5_K, DType.Q6_K};
    }

    static void decode(DType t, int threads, int runs) {
        int in = 4096, out = 4096;
        SplittableRandom r = new SplittableRandom(1);
        long bytes = t.sizeOf((long) in * out);
        int mats = (int) Math.max(2, (256L << 20) / bytes + 1);
        Tensor[] ws = new Tensor[mats];
        for (int m = 0; m < mats; m++) ws[m] = weights(t, out, in, r);
        float[] x = new float[in], y = new float[out];
        for (int i = 0; i < in; i++) x[i] = (float) r.nextGaussian();
        Runnable all = () -> { for (Tensor w : ws) MatVec.matvec(x, 1, in, w, null, y, out); };
        for (int i = 0; i < 3; i++) all.run();
        double ms = median(runs, all) / mats;
        System.out.printf("matvec %-5s 1 x %d -> %d | T=%d | %.2f ms | %.1f GB/s of weights (%d matrices rotated)%n",
                t, in, out, threads, ms, bytes / (ms * 1e6), mats);
        if (threads == 1 && t == DType.F16) {
            long t0 = System.nanoTime();
            for (int o = 0; o < out; o++) y[o] = ScalarOps.dotRow(ws[0], o, x, 0, in);
            System.out.printf("matvec %-5s scalar twin | T=1 | %.1f ms%n", t, (System.nanoTime() - t0) / 1e6);
        }
    }

    static void gemm(DType t, int n, int in, int out, int threads, int runs) {
        SplittableRandom r = new SplittableRandom(2);
        Tensor w = weights(t, out, in, r);
        float[] x = new float[n * in], y = new float[n * out];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Runnable op = () -> TiledMatMul.matmul(x, n, in, w, null, y, out);
        for (int i = 0; i < 3; i++) op.run();
        double ms = median(runs, op);
        System.out.printf("tiled matmul %-5s %d x %d -> %d | T=%d | %.1f ms | %.1f GFLOP/s%n", t, n, in, out, threads, ms, 2.0 * n * in * out / (ms * 1e6));
    }

    static void attention(int n, int heads, int d, boolean causal, int threads, int runs) {
        SplittableRandom r = new SplittableRandom(3);
        float[] q = new float[n * heads * d], k = new float[q.length], v = new float[q.length], out = new float[q.length];
        for (int i = 0; i < q.length; i++) { q[i] = (float) r.nextGaussian(); k[i] = (float) r.nextGaussian(); v[i] = (float) r.nextGaussian(); }
        float scale = (float) (1 / Math.sqrt(d));
        Runnable op = () -> AttentionKernel.attend(q, k, v, n, n, 0, heads, heads, d, scale, causal, 0, out);
        for (int i = 0; i < 3; i++) op.run();
        System.out.printf("attention %s n=%d heads=%d d=%d | T=%d | %.1f ms%n", causal ? "causal" : "full", n, heads, d, threads, median(runs, op));
    }

    static void gelu(int runs) {
        int n = 577 * 4096;
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 2);
        Runnable fast = () -> { System.arraycopy(x, 0, y, 0, n); Activations.geluErf(y, n); };
        Runnable twin = () -> { System.arraycopy(x, 0, y, 0, n); ScalarOps.geluErf(y, n); };
        for (int i = 0; i < 3; i++) { fast.run(); twin.run(); }
        System.out.printf("gelu(erf) 577 x 4096 | vector %.1f ms | double twin %.1f ms%n", median(runs, fast), median(Math.max(3, runs / 2), twin));
    }
}
