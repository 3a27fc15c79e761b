package io.llava4j.format.gguf;

import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes a GGUF v3 file atomically (a temp file in the same folder, then a rename): metadata in insertion order, then
 * tensor infos, then each tensor's bytes at an offset aligned to {@code general.alignment} (32 unless the metadata
 * says otherwise). Tensors are written as stored (type and bytes); shapes are given row-major and written as ggml's ne
 * (reversed). A tensor may also be given as a {@link Source} that makes its data only when it is written, so a large
 * model (e.g. one converted or quantized tensor by tensor) is streamed to disk and never held whole in memory.
 */
public final class GgufWriter {
    /** Makes a tensor's data at write time, in an arena that is closed as soon as the tensor is written. */
    @FunctionalInterface
    public interface Source {
        Tensor open(Arena arena);
    }

    /** A tensor to write: type and shape known up front (the header precedes the data), data made by {@code source}. */
    private record Entry(DType type, long[] shape, Source source) {
        long bytes() {
            long n = 1;
            for (long d : shape) n *= d;
            return type.isQuantized() ? type.sizeOf(n) : n * type.bytes();
        }
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private LongConsumer progress;

    public GgufWriter put(String key, GgufValue v) {
        metadata.put(key, v);
        return this;
    }

    public GgufWriter putString(String key, String v) { return put(key, GgufValue.str(v)); }
    public GgufWriter putU32(String key, long v) { return put(key, GgufValue.u32(v)); }
    public GgufWriter putF32(String key, float v) { return put(key, GgufValue.f32(v)); }
    public GgufWriter putBool(String key, boolean v) { return put(key, GgufValue.bool(v)); }

    /** Adds a tensor under {@code name} (its own name is ignored). */
    public GgufWriter tensor(String name, Tensor t) {
        return tensor(name, t.dtype(), t.shape(), arena -> t);
    }

    /**
     * Adds a tensor of the given type and row-major shape whose data {@code source} makes when the file is written
     * (checked against type and shape then).
     */
    public GgufWriter tensor(String name, DType type, long[] shape, Source source) {
        GgmlType.of(type); // validates
        if (tensors.put(name, new Entry(type, shape.clone(), source)) != null) throw new IllegalArgumentException("tensor " + name + " added twice");
        return this;
    }

    /** Called with the bytes of tensor data written so far, after each tensor. */
    public GgufWriter onProgress(LongConsumer progress) {
        this.progress = progress;
        return this;
    }

    /** Names of the tensors added so far, in file order. */
    public java.util.Set<String> tensorNames() { return java.util.Collections.unmodifiableSet(tensors.keySet()); }

    public void write(Path file) throws IOException {
        int alignment = metadata.containsKey("general.alignment") ? (int) metadata.get("general.alignment").asLong() : GgufFile.DEFAULT_ALIGNMENT;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".gguf", ".tmp");
        try (OutputStream raw = Files.newOutputStream(tmp); Out out = new Out(new BufferedOutputStream(raw, 1 << 20))) {
            out.i32(GgufFile.MAGIC);
            out.i32(3);
            out.i64(tensors.size());
            out.i64(metadata.size());
            for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
                out.string(e.getKey());
                out.value(e.getValue());
            }
            long offset = 0;
            for (Map.Entry<String, Entry> e : tensors.entrySet()) {
                Entry t = e.getValue();
                out.string(e.getKey());
                long[] shape = t.shape();
                out.i32(shape.length);
                for (int d = shape.length - 1; d >= 0; d--) out.i64(shape[d]);
                out.i32(GgmlType.of(t.type()).id);
                out.i64(offset);
                offset = GgufFile.align(offset + t.bytes(), alignment);
            }
            out.pad(alignment);
            long dataStart = out.written;
            byte[] buf = new byte[1 << 20];
            for (Map.Entry<String, Entry> e : tensors.entrySet()) {
                Entry entry = e.getValue();
                try (Arena arena = Arena.ofShared()) { // shared: sources may fill it from the worker threads (parallel quantizing)
                    Tensor t = entry.source().open(arena);
                    if (t.dtype() != entry.type() || !java.util.Arrays.equals(t.shape(), entry.shape()) || t.data().byteSize() != entry.bytes()) {
                        throw new IllegalStateException("tensor " + e.getKey() + ": made as " + t.dtype() + " " + java.util.Arrays.toString(t.shape())
                                + ", declared " + entry.type() + " " + java.util.Arrays.toString(entry.shape()));
                    }
                    MemorySegment seg = t.data();
                    long size = seg.byteSize();
                    for (long p = 0; p < size; p += buf.length) {
                        int n = (int) Math.min(buf.length, size - p);
                        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, p, buf, 0, n);
                        out.bytes(buf, n);
                    }
                    if (seg.isMapped()) seg.unload(); // a mapped source's pages are not needed again: keep resident memory low
                }
                while ((out.written - dataStart) % alignment != 0) out.u8(0);
                if (progress != null) progress.accept(out.written - dataStart);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Little-endian output with a byte count. */
    private static final class Out implements AutoCloseable {
        final OutputStream os;
        final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Out(OutputStream os) { this.os = os; }

        void u8(int v) throws IOException { os.write(v); written++; }
        void bytes(byte[] a, int n) throws IOException { os.write(a, 0, n); written += n; }
        private void flushB(int n) throws IOException { os.write(b.array(), 0, n); written += n; b.clear(); }
        void i16(short v) throws IOException { b.putShort(v); flushB(2); }
        void i32(int v) throws IOException { b.putInt(v); flushB(4); }
        void i64(long v) throws IOException { b.putLong(v); flushB(8); }
        void f32(float v) throws IOException { b.putFloat(v); flushB(4); }
        void f64(double v) throws IOException { b.putDouble(v); flushB(8); }

        void string(String s) throws IOException {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            i64(u.length);
            bytes(u, u.length);
        }

        void pad(int alignment) throws IOException { while (written % alignment != 0) u8(0); }

        void value(GgufValue v) throws IOException {
            i32(v.type().id);
            if (v.type() == GgufValueType.ARRAY) {
                i32(v.elementType().id);
                List<Object> l = v.asList();
                i64(l.size());
                for (Object o : l) scalar(v.elementType(), o);
            } else {
                scalar(v.type(), v.value());
            }
        }

        void scalar(GgufValueType t, Object o) throws IOException {
            switch (t) {
                case UINT8, INT8 -> u8(((Number) o).byteValue());
                case UINT16, INT16 -> i16(((Number) o).shortValue());
                case UINT32, INT32 -> i32(((Number) o).intValue());
                case UINT64, INT64 -> i64(((Number) o).longValue());
                case FLOAT32 -> f32(((Number) o).floatValue());
                case FLOAT64 -> f64(((Number) o).doubleValue());
                case BOOL -> u8((Boolean) o ? 1 : 0);
                case STRING -> string((String) o);
                default -> throw new IllegalArgumentException("nested array in GGUF metadata");
            }
        }

        @Override public void close() throws IOException { os.close(); }
    }
}
