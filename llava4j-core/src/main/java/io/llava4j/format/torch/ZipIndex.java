package io.llava4j.format.torch;

import io.llava4j.format.CheckpointException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds the stored (uncompressed) entries of a mapped zip file, with the absolute offset of each entry's
 * data, by reading the central directory (zip64 aware). torch.save writes STORED entries, so tensor bytes
 * can be used in place.
 */
final class ZipIndex {
    /** One entry: its data lies at [offset, offset + size) of the file. */
    record Entry(String name, long offset, long size, int method) {}

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private ZipIndex() {}

    static Map<String, Entry> read(Path file, MemorySegment f) {
        long size = f.byteSize();
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (f.get(I32, p) == 0x06054b50) { eocd = p; break; }
        }
        if (eocd < 0) throw new CheckpointException(file + ": not a zip archive or truncated (no end-of-central-directory record)");
        long count = f.get(I16, eocd + 10) & 0xffff;
        long cdSize = f.get(I32, eocd + 12) & 0xffffffffL;
        long cdOffset = f.get(I32, eocd + 16) & 0xffffffffL;
        if (cdOffset == 0xffffffffL || count == 0xffff) {
            long loc = eocd - 20;
            if (loc < 0 || f.get(I32, loc) != 0x07064b50) throw new CheckpointException(file + ": corrupt zip64 locator");
            long z = f.get(I64, loc + 8);
            if (z < 0 || z + 56 > size || f.get(I32, z) != 0x06064b50) throw new CheckpointException(file + ": corrupt zip64 directory");
            count = f.get(I64, z + 32);
            cdSize = f.get(I64, z + 40);
            cdOffset = f.get(I64, z + 48);
        }
        if (cdOffset + cdSize > size) throw new CheckpointException(file + ": zip central directory lies outside the file: truncated?");
        Map<String, Entry> out = new LinkedHashMap<>();
        long p = cdOffset;
        for (long i = 0; i < count; i++) {
            if (p + 46 > size || f.get(I32, p) != 0x02014b50) throw new CheckpointException(file + ": corrupt zip central directory");
            int method = f.get(I16, p + 10) & 0xffff;
            long csize = f.get(I32, p + 20) & 0xffffffffL;
            long usize = f.get(I32, p + 24) & 0xffffffffL;
            int nameLen = f.get(I16, p + 28) & 0xffff, extraLen = f.get(I16, p + 30) & 0xffff, commentLen = f.get(I16, p + 32) & 0xffff;
            long local = f.get(I32, p + 42) & 0xffffffffL;
            String name = new String(f.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // zip64 extra field: the 0xffffffff fields appear in order usize, csize, local offset
            long e = p + 46 + nameLen, eEnd = e + extraLen;
            while (e + 4 <= eEnd) {
                int id = f.get(I16, e) & 0xffff, len = f.get(I16, e + 2) & 0xffff;
                if (id == 0x0001) {
                    long q = e + 4;
                    if (usize == 0xffffffffL) { usize = f.get(I64, q); q += 8; }
                    if (csize == 0xffffffffL) { csize = f.get(I64, q); q += 8; }
                    if (local == 0xffffffffL) { local = f.get(I64, q); }
                }
                e += 4 + len;
            }
            if (local + 30 > size || f.get(I32, local) != 0x04034b50) throw new CheckpointException(file + ": corrupt zip entry " + name);
            long data = local + 30 + (f.get(I16, local + 26) & 0xffff) + (f.get(I16, local + 28) & 0xffff);
            if (data + csize > size) throw new CheckpointException(file + ": zip entry " + name + " extends past the end of the file: truncated?");
            out.put(name, new Entry(name, data, method == 0 ? usize : csize, method));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return out;
    }
}
