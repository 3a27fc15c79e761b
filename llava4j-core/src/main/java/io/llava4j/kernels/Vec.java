package io.llava4j.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses, fixed once per JVM (static finals, so the JIT folds them): the preferred
 * float width, or a narrower one set with {@code -Dllava4j.vector.bits=256} (the kernel tests run once at the
 * machine's width and once at 256 bits). Below 256 bits the block kernels use their scalar twins.
 * <ul>
 *   <li>{@link #F}: L float lanes; {@link #I}: L int lanes (same shape);</li>
 *   <li>{@link #S}: L shorts (half the bits), {@link #B}: L bytes (a quarter), so one load widens to one F vector.</li>
 * </ul>
 */
public final class Vec {
    private Vec() {}

    /** Vector width in bits. */
    public static final int BITS = chooseBits();
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.vectorBitSize() == BITS
            ? FloatVector.SPECIES_PREFERRED : VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    public static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    public static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, BITS / 2)));
    public static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, BITS / 4)));
    /** Float lanes per vector. */
    public static final int L = F.length();
    /** Whether the block kernels (bytes/shorts widened to one float vector) run vectorised: 256 or 512 bits. */
    public static final boolean BLOCKS = BITS >= 256 && S.length() == L && B.length() == L;

    private static int chooseBits() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String p = System.getProperty("llava4j.vector.bits");
        if (p == null || p.isBlank()) return preferred;
        int want = Integer.parseInt(p.trim());
        if (want != 128 && want != 256 && want != 512) throw new IllegalArgumentException("llava4j.vector.bits must be 128, 256 or 512, got " + p);
        return Math.min(want, preferred);
    }

    /** A one-line description for logs and benchmarks. */
    public static String describe() {
        return BITS + "-bit vectors (" + L + " float lanes)" + (BLOCKS ? "" : ", block kernels scalar");
    }

    static ByteVector bytesOf(byte b) { return ByteVector.broadcast(B, b); }

    static ShortVector shortsOf(short s) { return ShortVector.broadcast(S, s); }

    static IntVector intsOf(int v) { return IntVector.broadcast(I, v); }
}
