package io.llava4j.train.llava;

import io.llava4j.train.Param;
import io.llava4j.train.data.Example;
import io.llava4j.train.testing.TrainFixtures;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training arithmetic gives the same bits whatever the JIT has compiled and whatever the thread count: a resumed run
 * (cold JVM) must reproduce an uninterrupted one (warm JVM). Checked by computing the stage-2 LoRA loss and gradient (with dropout) here and in a
 * child JVM limited to the C1 compiler (-XX:TieredStopAtLevel=1: no Vector API intrinsics, so every vector operation runs its Java fallback).
 */
class DeterminismTest {
    static final Path MODEL = TrainFixtures.dir("llava-1.5-tiny-original-layout");

    /** Loss and a gradient checksum, as text. */
    static String compute() {
        try (LlavaTrainModel m = LlavaTrainModel.load(MODEL, TrainSetup.stage2Lora(4, 8, 0.1f, 2048).withVisionTower(true))) {
            m.initLora(3);
            for (Param p : m.loraParams()) if (p.name.endsWith("lora_B.weight")) for (int i = 0; i < p.size(); i++) p.data[i] = 0.05f * ((i % 7) - 3);
            m.setSeed(11, 5);
            List<Example> b = LlavaTrainGoldenTest.batch(m);
            double loss = m.forwardBackward(b, 1f);
            long h = 0;
            for (Param p : m.params()) for (float g : p.grad) h = h * 31 + Float.floatToIntBits(g);
            return Double.doubleToLongBits(loss) + " " + h + " " + Double.doubleToLongBits(m.loss(b));
        }
    }

    public static void main(String[] args) {
        System.out.println("RESULT " + compute());
    }

    @Test
    void sameBitsInterpretedAndCompiled() throws Exception {
        String warm = null;
        for (int i = 0; i < 3; i++) {
            String r = compute();
            if (warm != null) assertEquals(warm, r, "run " + i + " differs");
            warm = r;
        }
        int threads = io.llava4j.kernels.Parallel.threads();
        try {
            io.llava4j.kernels.Parallel.setThreads(threads == 1 ? 3 : 1);
            assertEquals(warm, compute(), "the thread count changed the result");
        } finally {
            io.llava4j.kernels.Parallel.setThreads(threads);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path")));
        String shared = System.getProperty("llava4j.shared");
        if (shared != null) cmd.add("-Dllava4j.shared=" + shared);
        cmd.add(DeterminismTest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String cold = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("RESULT ")) cold = line.substring(7);
            }
        }
        assertEquals(0, p.waitFor(), all.toString());
        assertEquals(warm, cold, "C1-only (Vector API fallbacks) and C2 (intrinsics) runs differ");
    }
}
