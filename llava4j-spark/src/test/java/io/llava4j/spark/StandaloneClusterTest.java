package io.llava4j.spark;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same job on a real standalone cluster: a master and two workers started as separate JVMs on loopback from
 * this module's test class path; the workers launch executor JVMs that load the model themselves.
 */
class StandaloneClusterTest {
    @TempDir static Path tmp;
    static final List<Process> daemons = new ArrayList<>();
    static String masterUrl;

    /** A Spark "installation" for the workers: an empty jars/ (the class path comes from spark.executor.extraClassPath). */
    static Map<String, String> env() throws IOException {
        Path home = tmp.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("conf"));
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    static Process start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
        pb.environment().putAll(env());
        Process p = pb.start();
        daemons.add(p);
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the Spark master did not start; see " + tmp.resolve("master.log"), e);
                Thread.sleep(200);
            }
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        int port = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0");
        awaitListening(port); // a worker that finds no master retries only after 5-15 s
        for (int w = 1; w <= 2; w++) {
            Path work = Files.createDirectories(tmp.resolve("worker" + w));
            start("worker" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                    "--webui-port", "0", "--work-dir", work.toString(), masterUrl);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (Process p : daemons) {
            List<ProcessHandle> children = p.descendants().toList(); // executors the workers launched
            p.destroy();
            p.waitFor();
            for (ProcessHandle c : children) c.destroy();
        }
    }

    @Test
    void theSameJobOnAMasterAndTwoWorkers() throws Exception {
        List<BatchItem> items = BatchInput.read(BatchFixtures.questionFile(tmp), BatchFixtures.golden(), null);
        Path out = tmp.resolve("cluster-out");
        Map<String, String> conf = new HashMap<>(BatchFixtures.TEST_CONF);
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        conf.put("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true");
        conf.put("spark.executor.memory", "768m");
        conf.put("spark.cores.max", "2");
        // start only when both workers' executors are there, so the job really spreads over two JVMs
        conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0");
        conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s");
        BatchJob.Summary s = BatchJob.run(BatchJobTest.spec(out), items, 3, masterUrl, 4, conf, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(10, s.answered());
        BatchFixtures.assertAnswers(out, items, BatchFixtures.engineAnswers(items));
        // each worker launched an executor JVM for the job
        for (int w = 1; w <= 2; w++) {
            try (Stream<Path> files = Files.walk(tmp.resolve("worker" + w))) {
                assertEquals(1, files.filter(p -> p.getFileName().toString().equals("stderr")).count(), "executor of worker " + w);
            }
        }
    }
}
