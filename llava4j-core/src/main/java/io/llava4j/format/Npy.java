package io.llava4j.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal NumPy .npy reader/writer for little-endian float32 / float64 / int64 arrays (goldens, --logits-out). */
public final class Npy {

    /** A loaded array: values widened to double, and its shape. */
    public record Array(long[] shape, double[] values) {
        public float[] floats() {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
            return f;
        }
    }

    private Npy() {}

    public static Array read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10 || all[0] != (byte) 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not a .npy file");
        }
        int major = all[6];
        int headerLen;
        int pos;
        if (major == 1) { headerLen = b.getShort(8) & 0xffff; pos = 10; }
        else { headerLen = b.getInt(8); pos = 12; }
        String header = new String(all, pos, headerLen, StandardCharsets.US_ASCII);
        pos += headerLen;
        Matcher d = Pattern.compile("'descr':\\s*'([^']+)'").matcher(header);
        Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
        if (!d.find() || !s.find()) throw new IOException(file + ": bad npy header " + header);
        boolean fortran = header.contains("'fortran_order': True");
        List<Long> dims = new ArrayList<>();
        for (String p : s.group(1).split(",")) if (!p.isBlank()) dims.add(Long.parseLong(p.trim()));
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long x : shape) n *= x;
        double[] v = new double[(int) n];
        b.position(pos);
        switch (d.group(1)) {
            case "<f4" -> { for (int i = 0; i < n; i++) v[i] = b.getFloat(); }
            case "<f8" -> { for (int i = 0; i < n; i++) v[i] = b.getDouble(); }
            case "<i8" -> { for (int i = 0; i < n; i++) v[i] = b.getLong(); }
            case "<i4" -> { for (int i = 0; i < n; i++) v[i] = b.getInt(); }
            case "|u1" -> { for (int i = 0; i < n; i++) v[i] = b.get() & 0xff; }
            case "<f2" -> { for (int i = 0; i < n; i++) v[i] = Float.float16ToFloat(b.getShort()); }
            default -> throw new IOException(file + ": unsupported npy dtype " + d.group(1));
        }
        return new Array(shape, fortran ? toCOrder(v, shape) : v);
    }

    /** Column-major (Fortran) values to row-major (C) order. */
    private static double[] toCOrder(double[] f, long[] shape) {
        double[] c = new double[f.length];
        int k = shape.length;
        int[] idx = new int[k];
        for (int i = 0; i < c.length; i++) {
            long off = 0;
            for (int j = k - 1; j >= 0; j--) off = off * shape[j] + idx[j];
            c[i] = f[(int) off];
            for (int j = k - 1; j >= 0; j--) { if (++idx[j] < shape[j]) break; idx[j] = 0; }
        }
        return c;
    }

    /** Writes a float32 array atomically (temp file, then move). */
    public static void writeFloat32(Path file, float[] values, long... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long x : shape) dims.append(x).append(',');
        if (shape.length > 1) dims.setLength(dims.length() - 1);
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float f : values) b.putFloat(f);
        Path parent = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(parent, ".npy", ".tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
