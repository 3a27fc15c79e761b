package io.llava4j.format;

import io.llava4j.format.gguf.LlavaGguf;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rewritten weights (GGUF's Q/K rows put back in HF order) are mapped segments like the weights mapped from the file,
 * so the decode kernels see a single segment implementation; nothing is left in the scratch directory.
 */
class MappedScratchTest {

    @Test
    void scratchIsMappedZeroedWritableAndLeavesNoFile(@TempDir Path dir) {
        String old = System.getProperty("llava4j.scratchDir");
        System.setProperty("llava4j.scratchDir", dir.toString());
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = MappedScratch.allocate(10_000, arena);
            assertTrue(s.isMapped());
            assertEquals(10_000, s.byteSize());
            for (long i = 0; i < s.byteSize(); i++) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, i));
            s.set(ValueLayout.JAVA_INT_UNALIGNED, 100, 0x12345678);
            assertEquals(0x12345678, s.get(ValueLayout.JAVA_INT_UNALIGNED, 100));
            try (var files = Files.list(dir)) { assertEquals(0, files.count(), "the scratch file is deleted once mapped"); }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            if (old == null) System.clearProperty("llava4j.scratchDir"); else System.setProperty("llava4j.scratchDir", old);
        }
    }

    @Test
    void permutedRowsOfAMappedTensorAreMappedAndRoundTrip(@TempDir Path dir) throws Exception {
        int heads = 4, d = 6, cols = 5, rows = heads * d;
        byte[] bytes = new byte[rows * cols * 2];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 31 + 7);
        Path f = dir.resolve("w.bin");
        Files.write(f, bytes);
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            Tensor gguf = new Tensor("blk.0.attn_q.weight", DType.F16, new long[] {rows, cols}, mapped);
            Tensor hf = LlavaGguf.permuteRows(gguf, heads, true, arena);
            assertTrue(hf.data().isMapped(), "loaded Q/K rows are mapped like the rest of the weights");
            assertFalse(java.util.Arrays.equals(bytes, hf.data().toArray(ValueLayout.JAVA_BYTE)), "rows moved");
            // HF row h*d + j*d/2 + i comes from GGUF row h*d + 2i + j
            int rowBytes = cols * 2;
            for (int h = 0; h < heads; h++) for (int j = 0; j < 2; j++) for (int i = 0; i < d / 2; i++) {
                long hfRow = (long) h * d + (long) j * d / 2 + i, ggRow = (long) h * d + 2L * i + j;
                assertArrayEquals(mapped.asSlice(ggRow * rowBytes, rowBytes).toArray(ValueLayout.JAVA_BYTE),
                        hf.data().asSlice(hfRow * rowBytes, rowBytes).toArray(ValueLayout.JAVA_BYTE), "row " + hfRow);
            }
            Tensor back = LlavaGguf.permuteRows(hf, heads, false, arena);
            assertArrayEquals(bytes, back.data().toArray(ValueLayout.JAVA_BYTE), "HF -> GGUF undoes it");
        }
    }
}
