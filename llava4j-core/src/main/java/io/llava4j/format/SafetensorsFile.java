package io.llava4j.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}}, then the raw data. No weight is copied to the heap.
 */
public final class SafetensorsFile implements WeightMap {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;

    private SafetensorsFile(Path path, Arena arena, Map<String, Tensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(path + ": truncated safetensors file (" + size + " bytes)");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0); // u64 LE by the spec
            if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > size) {
                throw new CheckpointException(path + ": corrupt or truncated safetensors header (header length " + headerLen + ", file " + size + " bytes)");
            }
            byte[] hb = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header = JSON.readTree(new String(hb, StandardCharsets.UTF_8));
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, Tensor> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                DType dt;
                try {
                    dt = DType.fromSafetensors(t.path("dtype").asText());
                } catch (IllegalArgumentException ex) {
                    throw new CheckpointException(path + ": tensor " + e.getKey() + ": " + ex.getMessage());
                }
                JsonNode shapeNode = t.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asLong();
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                if (begin < 0 || end < begin || end > dataSize) {
                    throw new CheckpointException(path + ": tensor " + e.getKey() + " lies outside the file (offsets "
                            + begin + ".." + end + ", data section " + dataSize + " bytes): file truncated?");
                }
                try {
                    map.put(e.getKey(), new Tensor(e.getKey(), dt, shape, all.asSlice(dataStart + begin, end - begin)));
                } catch (IllegalArgumentException ex) {
                    throw new CheckpointException(path + ": " + ex.getMessage());
                }
            }
            return new SafetensorsFile(path, arena, Collections.unmodifiableMap(map));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            arena.close();
            throw new CheckpointException(path + ": corrupt safetensors header (not valid JSON: " + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(path + ": cannot read safetensors file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }

    @Override public Set<String> names() { return tensors.keySet(); }

    @Override public Optional<Tensor> find(String name) { return Optional.ofNullable(tensors.get(name)); }

    @Override public void close() { arena.close(); }
}
