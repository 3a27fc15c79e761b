package io.llava4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory as Linux reports it in /proc/self/status. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Peak resident set size (VmHWM: heap, off-heap and mapped weight pages alike), in bytes; -1 where not Linux. */
    public static long peakRssBytes() { return field("VmHWM:"); }

    /** Current resident set size (VmRSS), in bytes; -1 where not Linux. */
    public static long rssBytes() { return field("VmRSS:"); }

    private static long field(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(key)) return Long.parseLong(l.substring(key.length()).replaceAll("\\D+", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }
}
