package io.llava4j.format.gguf;

import io.llava4j.format.CheckpointException;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One memory-mapped GGUF file (versions 2 and 3): little-endian header {magic "GGUF", version u32, tensor count u64,
 * metadata count u64}, the metadata key/values, the tensor infos {name, n_dims u32, ne[n_dims] u64 (innermost first),
 * ggml type u32, offset u64}, padding to {@code general.alignment} (default 32), then the tensor data. Tensors are
 * served as they are stored (names and types of the file), with the shape in row-major order (ne reversed); no weight
 * is copied. Tensors of a ggml type without kernels here are listed by {@link #names()} and fail on access, naming the
 * type.
 */
public final class GgufFile implements WeightMap {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    /** A tensor as described in the file. */
    public record TensorInfo(String name, long[] shape, GgmlType type, int typeId, long offset) {}

    private final Path path;
    private final Arena arena;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, TensorInfo> infos;
    private final Map<String, Tensor> tensors;
    private final long dataStart;
    private final int alignment;

    private GgufFile(Path path, Arena arena, int version, Map<String, GgufValue> metadata, Map<String, TensorInfo> infos,
                     Map<String, Tensor> tensors, long dataStart, int alignment) {
        this.path = path; this.arena = arena; this.version = version; this.metadata = metadata; this.infos = infos;
        this.tensors = tensors; this.dataStart = dataStart; this.alignment = alignment;
    }

    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GgufFile f = parse(path, arena, all);
            return f;
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(path + ": cannot read GGUF file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            if (e instanceof CheckpointException) throw e;
            throw new CheckpointException(path + ": corrupt GGUF file: " + e.getMessage(), e);
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment all) {
        Reader r = new Reader(all, path);
        if (all.byteSize() < 24 || r.i32() != MAGIC) throw new CheckpointException(path + ": not a GGUF file (no GGUF magic)");
        int version = r.i32();
        if (version != 2 && version != 3) throw new CheckpointException(path + ": GGUF version " + version + " is not supported (2, 3)");
        long nTensors = r.i64(), nKv = r.i64();
        if (nTensors < 0 || nKv < 0 || nTensors > all.byteSize() / 8 || nKv > all.byteSize() / 8) {
            throw new CheckpointException(path + ": corrupt GGUF header (" + nTensors + " tensors, " + nKv + " metadata entries)");
        }
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = r.string();
            GgufValueType t = r.valueType();
            if (meta.put(key, r.value(t)) != null) throw new CheckpointException(path + ": duplicate metadata key " + key);
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = meta.get("general.alignment");
        if (a != null) {
            long v = a.asLong();
            if (v <= 0 || (v & (v - 1)) != 0 || v > 1 << 20) throw new CheckpointException(path + ": general.alignment " + v + " is not a power of two");
            alignment = (int) v;
        }
        List<TensorInfo> list = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String name = r.string();
            int nd = r.i32();
            if (nd < 0 || nd > 4) throw new CheckpointException(path + ": tensor " + name + " has " + nd + " dimensions");
            long[] ne = new long[nd];
            for (int d = 0; d < nd; d++) {
                ne[d] = r.i64();
                if (ne[d] < 0) throw new CheckpointException(path + ": tensor " + name + " has a negative dimension");
            }
            long[] shape = new long[nd];
            for (int d = 0; d < nd; d++) shape[d] = ne[nd - 1 - d];
            int typeId = r.i32();
            long offset = r.i64();
            list.add(new TensorInfo(name, shape, GgmlType.byId(typeId), typeId, offset));
        }
        long dataStart = align(r.pos, alignment);
        long dataSize = all.byteSize() - dataStart;
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorInfo ti : list) {
            if (infos.put(ti.name(), ti) != null) throw new CheckpointException(path + ": duplicate tensor " + ti.name());
            if (ti.offset() % alignment != 0) throw new CheckpointException(path + ": tensor " + ti.name() + " at offset " + ti.offset() + " is not aligned to " + alignment);
            if (ti.type() == null || ti.type().dtype == null) continue;
            long n = 1;
            for (long d : ti.shape()) n = Math.multiplyExact(n, d);
            long bytes;
            try {
                bytes = ti.type().dtype.sizeOf(n);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(path + ": tensor " + ti.name() + ": " + e.getMessage());
            }
            if (ti.offset() < 0 || ti.offset() + bytes > dataSize) {
                throw new CheckpointException(path + ": tensor " + ti.name() + " lies outside the file (offset " + ti.offset() + ", "
                        + bytes + " bytes, data section " + dataSize + " bytes): file truncated?");
            }
            try {
                tensors.put(ti.name(), new Tensor(ti.name(), ti.type().dtype, ti.shape(), all.asSlice(dataStart + ti.offset(), bytes)));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(path + ": " + e.getMessage());
            }
        }
        return new GgufFile(path, arena, version, Collections.unmodifiableMap(meta), Collections.unmodifiableMap(infos),
                Collections.unmodifiableMap(tensors), dataStart, alignment);
    }

    static long align(long p, int alignment) { return (p + alignment - 1) / alignment * alignment; }

    public Path path() { return path; }
    public int version() { return version; }
    public int alignment() { return alignment; }
    public long dataStart() { return dataStart; }

    /** All metadata, in file order. */
    public Map<String, GgufValue> metadata() { return metadata; }

    public Optional<GgufValue> meta(String key) { return Optional.ofNullable(metadata.get(key)); }

    /** An integer metadata value; throws naming the key when absent. */
    public long metaLong(String key) { return require(key).asLong(); }

    public String metaString(String key) { return require(key).asString(); }

    private GgufValue require(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) throw new CheckpointException(path + ": metadata key '" + key + "' is missing");
        return v;
    }

    /** {@code general.architecture}, or "" when absent. */
    public String architecture() { return meta("general.architecture").map(GgufValue::asString).orElse(""); }

    /** Every tensor info, including those of types without kernels here. */
    public Map<String, TensorInfo> tensorInfos() { return infos; }

    @Override public Set<String> names() { return infos.keySet(); }

    @Override
    public Optional<Tensor> find(String name) {
        Tensor t = tensors.get(name);
        if (t != null) return Optional.of(t);
        TensorInfo ti = infos.get(name);
        if (ti == null) return Optional.empty();
        throw new CheckpointException(path + ": tensor " + name + " is stored as ggml type "
                + (ti.type() == null ? "#" + ti.typeId() : ti.type().name()) + ", which llava4j cannot read (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_0, Q5_1, Q5_K, Q6_K)");
    }

    @Override public void close() { arena.close(); }

    /** A bounds-checked little-endian cursor over the header. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        final MemorySegment s;
        final Path path;
        long pos;

        Reader(MemorySegment s, Path path) { this.s = s; this.path = path; }

        private void need(long n) {
            if (n < 0 || pos + n > s.byteSize()) throw new CheckpointException(path + ": GGUF header runs past the end of the file (truncated?)");
        }

        int i32() { need(4); int v = s.get(I32, pos); pos += 4; return v; }
        long i64() { need(8); long v = s.get(I64, pos); pos += 8; return v; }

        String string() {
            long n = i64();
            need(n);
            if (n > Integer.MAX_VALUE) throw new CheckpointException(path + ": string of " + n + " bytes in the GGUF header");
            byte[] b = s.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
            pos += n;
            return new String(b, StandardCharsets.UTF_8);
        }

        GgufValueType valueType() {
            int id = i32();
            GgufValueType t = GgufValueType.byId(id);
            if (t == null) throw new CheckpointException(path + ": unknown metadata value type " + id);
            return t;
        }

        GgufValue value(GgufValueType t) {
            if (t == GgufValueType.ARRAY) {
                GgufValueType et = valueType();
                long n = i64();
                if (et == GgufValueType.ARRAY) throw new CheckpointException(path + ": nested metadata arrays are not supported");
                if (n < 0 || n > s.byteSize() - pos) throw new CheckpointException(path + ": metadata array of " + n + " values runs past the end of the file");
                List<Object> l = new ArrayList<>((int) n);
                for (long i = 0; i < n; i++) l.add(scalar(et));
                return new GgufValue(GgufValueType.ARRAY, et, Collections.unmodifiableList(l));
            }
            return GgufValue.of(t, scalar(t));
        }

        Object scalar(GgufValueType t) {
            if (t == GgufValueType.STRING) return string();
            need(t.size);
            Object v = switch (t) {
                case UINT8, INT8 -> s.get(ValueLayout.JAVA_BYTE, pos);
                case UINT16, INT16 -> s.get(I16, pos);
                case UINT32, INT32 -> s.get(I32, pos);
                case UINT64, INT64 -> s.get(I64, pos);
                case FLOAT32 -> s.get(F32, pos);
                case FLOAT64 -> s.get(F64, pos);
                case BOOL -> s.get(ValueLayout.JAVA_BYTE, pos) != 0;
                default -> throw new IllegalStateException();
            };
            pos += t.size;
            return v;
        }
    }
}
