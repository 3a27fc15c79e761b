package io.llava4j.bench;

import io.llava4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The machine's read bandwidth as decoding sees it: a streaming sum over an off-heap buffer much larger than the
 * caches (default 1 GiB), with the engine's threads, median of a few passes. Decoding reads every weight once per
 * token, so weight bytes per token / this figure bounds the decode speed from above.
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** GB/s (1e9 bytes) read, median of {@code passes} streaming passes over {@code bytes} bytes; the buffer is freed after. */
    public static double readGbs(long bytes, int passes) {
        long chunk = 1 << 20; // 1 MiB per task
        long chunks = bytes / chunk;
        if (chunks < 1 || passes < 1) throw new IllegalArgumentException("bandwidth: " + bytes + " bytes, " + passes + " passes");
        try (Arena arena = Arena.ofShared()) { // shared: the pool's threads read it
            MemorySegment buf = arena.allocate(chunks * chunk, 4096);
            buf.fill((byte) 0x3c); // every float ~0.012: finite, not denormal; also touches every page before timing
            double[] secs = new double[passes];
            DoubleAdder sink = new DoubleAdder();
            for (int r = 0; r < passes; r++) {
                long t0 = System.nanoTime();
                Parallel.forRange((int) chunks, 1, (from, to) -> sink.add(sum(buf, from * chunk, to * chunk)));
                secs[r] = (System.nanoTime() - t0) / 1e9;
            }
            if (!(sink.sum() > 0)) throw new IllegalStateException("bandwidth buffer summed to " + sink.sum()); // keeps the sums alive
            Arrays.sort(secs);
            return chunks * chunk / secs[passes / 2] / 1e9;
        }
    }

    /** Sum of the floats in [from, to) bytes, four independent vector accumulators. */
    private static double sum(MemorySegment s, long from, long to) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        long step = F.vectorByteSize();
        long p = from;
        for (; p + 4 * step <= to; p += 4 * step) {
            a = a.add(FloatVector.fromMemorySegment(F, s, p, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, s, p + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, s, p + 2 * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, s, p + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }
}
