package io.llava4j.format.torch;

import io.llava4j.format.CheckpointException;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A PyTorch {@code torch.save} checkpoint (zip: {@code <prefix>/data.pkl} + {@code <prefix>/data/<key>} storages),
 * memory-mapped: the pickle is read with {@link RestrictedUnpickler}, each tensor is a view of its storage
 * entry in the mapped file. Nested dicts are flattened with '.'; non-tensor values are ignored.
 */
public final class TorchCheckpoint implements WeightMap {
    private final Arena arena;
    private final Map<String, Tensor> tensors;

    private TorchCheckpoint(Arena arena, Map<String, Tensor> tensors) {
        this.arena = arena;
        this.tensors = tensors;
    }

    public static TorchCheckpoint open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < 22) throw new CheckpointException(file + ": truncated PyTorch checkpoint (" + ch.size() + " bytes)");
            MemorySegment f = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            if (f.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != 0x04034b50) {
                throw new CheckpointException(file + ": not a zip-format torch.save file (legacy pre-1.6 tar/pickle checkpoints are not supported; re-save with torch >= 1.6)");
            }
            Map<String, ZipIndex.Entry> entries = ZipIndex.read(file, f);
            ZipIndex.Entry pkl = entries.values().stream().filter(e -> e.name().endsWith("/data.pkl") || e.name().equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new CheckpointException(file + ": no data.pkl in the archive"));
            String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
            if (pkl.method() != 0) throw new CheckpointException(file + ": data.pkl is compressed (method " + pkl.method() + "); only stored entries are supported");
            Object root = RestrictedUnpickler.load(f.asSlice(pkl.offset(), pkl.size()).toArray(ValueLayout.JAVA_BYTE), file.toString());
            String byteorder = entries.containsKey(prefix + "byteorder")
                    ? new String(f.asSlice(entries.get(prefix + "byteorder").offset(), entries.get(prefix + "byteorder").size()).toArray(ValueLayout.JAVA_BYTE)).strip()
                    : "little";
            if (!byteorder.equals("little")) throw new CheckpointException(file + ": big-endian checkpoints are not supported");
            Map<String, Tensor> out = new LinkedHashMap<>();
            flatten("", root, out, f, entries, prefix, file);
            return new TorchCheckpoint(arena, Collections.unmodifiableMap(out));
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void flatten(String path, Object v, Map<String, Tensor> out, MemorySegment f,
                                Map<String, ZipIndex.Entry> entries, String prefix, Path file) {
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                flatten(path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey(), e.getValue(), out, f, entries, prefix, file);
            }
        } else if (v instanceof RestrictedUnpickler.TensorRef t) {
            out.put(path, tensor(path, t, f, entries, prefix, file));
        }
    }

    private static Tensor tensor(String name, RestrictedUnpickler.TensorRef t, MemorySegment f,
                                 Map<String, ZipIndex.Entry> entries, String prefix, Path file) {
        DType dt = switch (t.storage().storageType()) {
            case "HalfStorage" -> DType.F16;
            case "FloatStorage" -> DType.F32;
            case "BFloat16Storage" -> DType.BF16;
            case "LongStorage" -> DType.I64;
            case "IntStorage" -> DType.I32;
            case "CharStorage" -> DType.I8;
            case "ByteStorage" -> DType.U8;
            case "BoolStorage" -> DType.BOOL;
            default -> throw new CheckpointException(file + ": tensor " + name + " has unsupported storage " + t.storage().storageType());
        };
        ZipIndex.Entry e = entries.get(prefix + "data/" + t.storage().key());
        if (e == null) throw new CheckpointException(file + ": storage " + t.storage().key() + " of tensor " + name + " is missing from the archive");
        if (e.method() != 0) throw new CheckpointException(file + ": storage of " + name + " is compressed; only stored (uncompressed) entries can be memory-mapped");
        long numel = 1;
        for (long d : t.size()) numel *= d;
        long expect = 1;
        for (int i = t.size().length - 1; i >= 0; i--) {
            if (t.size()[i] != 1 && t.stride()[i] != expect) {
                throw new CheckpointException(file + ": tensor " + name + " is not contiguous (stride " + java.util.Arrays.toString(t.stride()) + "); re-save it with .contiguous()");
            }
            expect *= t.size()[i];
        }
        long begin = dt.sizeOf(t.offset()), bytes = dt.sizeOf(numel);
        if (begin + bytes > e.size()) throw new CheckpointException(file + ": tensor " + name + " lies outside its storage: truncated?");
        return new Tensor(name, dt, t.size(), f.asSlice(e.offset() + begin, bytes));
    }

    @Override public Set<String> names() { return tensors.keySet(); }

    @Override public Optional<Tensor> find(String name) { return Optional.ofNullable(tensors.get(name)); }

    @Override public void close() { arena.close(); }
}
