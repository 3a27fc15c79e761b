package io.llava4j.server.llava;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Splits a {@code /worker_generate_stream} body on NUL bytes, skipping empty pieces (as requests' iter_lines does). */
public final class FrameReader {
    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos, end;

    public FrameReader(InputStream in) { this.in = in; }

    /** The next non-empty frame without its separator, or null at the end of the stream. */
    public byte[] next() throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        while (true) {
            if (pos == end) {
                end = in.read(buf);
                pos = 0;
                if (end < 0) {
                    end = 0;
                    return frame.size() > 0 ? frame.toByteArray() : null;
                }
            }
            int start = pos;
            while (pos < end && buf[pos] != LlavaProtocol.SEPARATOR) pos++;
            frame.write(buf, start, pos - start);
            if (pos < end) {
                pos++; // the separator
                if (frame.size() > 0) return frame.toByteArray();
            }
        }
    }
}
