package io.llava4j.bench;

import io.llava4j.kernels.MatMul;
import io.llava4j.kernels.Parallel;
import io.llava4j.kernels.TiledMatMul;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Side-by-side timing of the matmul kernels on real LLaVA shapes (fp16 weights off-heap, as when memory-mapped):
 * the row-wise kernel vs the 4x4 register-tiled one for prefill/vision, and the row-wise matrix-vector for decode.
 * Prints medians of several runs after warm-up. Usage: KernelBench [runs]
 */
public final class KernelBench {
    private KernelBench() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println("kernel | shape (n x in -> out) | threads | median ms | GFLOP/s");
        for (int threads : new int[] {1, Runtime.getRuntime().availableProcessors()}) {
            Parallel.setThreads(threads);
            // CLIP ViT-L/336 MLP fc1: 577 tokens x 1024 -> 4096
            bench("rowwise (before)", 577, 1024, 4096, threads, runs, false);
            bench("tiled 4x4", 577, 1024, 4096, threads, runs, true);
            // LLaMA-7B q_proj on a 600-token prefill chunk (trimmed to 128 rows to keep the run short)
            bench("rowwise (before)", 128, 4096, 4096, threads, runs, false);
            bench("tiled 4x4", 128, 4096, 4096, threads, runs, true);
            // decode: one token through a 4096x4096 matrix, fp16 and quantized
            bench("matvec rowwise", 1, 4096, 4096, threads, runs, false);
            benchQuant(DType.Q8_0, threads, runs);
            benchQuant(DType.Q4_0, threads, runs);
        }
    }

    static void benchQuant(DType t, int threads, int runs) {
        int in = 4096, out = 4096;
        SplittableRandom r = new SplittableRandom(1);
        float[] wf = new float[in * out];
        for (int i = 0; i < wf.length; i++) wf[i] = (float) r.nextGaussian() * 0.02f;
        Tensor w = new Tensor("w", t, new long[] {out, in}, io.llava4j.tensor.Quant.quantize(t, wf));
        float[] x = new float[in], y = new float[out];
        for (int i = 0; i < in; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < 5; i++) MatMul.matmul(x, 1, in, w, null, y, out);
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            MatMul.matmul(x, 1, in, w, null, y, out);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        double med = ms[runs / 2];
        System.out.printf("matvec %s | 1 x %d -> %d | %d | %.2f | %.1f (%.1f GB/s of %s)%n", t, in, out, threads, med,
                2.0 * in * out / (med * 1e6), w.data().byteSize() / (med * 1e6), t);
    }

    static void bench(String name, int n, int in, int out, int threads, int runs, boolean tiled) {
        SplittableRandom r = new SplittableRandom(1);
        MemorySegment seg = Arena.ofAuto().allocate((long) out * in * 2);
        for (long i = 0; i < (long) out * in; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) r.nextGaussian() * 0.02f));
        Tensor w = new Tensor("w", DType.F16, new long[] {out, in}, seg);
        float[] x = new float[n * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] y = new float[n * out];
        Runnable op = tiled ? () -> TiledMatMul.matmul(x, n, in, w, null, y, out) : () -> MatMul.rowwise(x, n, in, w, null, y, out);
        for (int i = 0; i < 3; i++) op.run();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            op.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        double med = ms[runs / 2];
        System.out.printf("%s | %d x %d -> %d | %d | %.1f | %.1f%n", name, n, in, out, threads, med, 2.0 * n * in * out / (med * 1e6));
    }
}
