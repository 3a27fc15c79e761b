package io.llava4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.config.Json;
import io.llava4j.engine.TopK;
import io.llava4j.format.WeightMap;
import io.llava4j.kernels.Parallel;
import io.llava4j.llm.DecoderLm;
import io.llava4j.llm.KvCache;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Speed of one image request on a model folder: load, image encode (preprocess + tower + projector), prefill,
 * decode (a fixed number of tokens, EOS ignored), time to first token, peak RSS, the machine's read bandwidth measured
 * in the same run, and the decode limit that bandwidth implies (weight bytes read per token / bandwidth). Medians of
 * --runs. A benchmark, not a test: CI only checks that it runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure encode, prefill and decode speed on a model.")
final class BenchCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Option(names = "--image", paramLabel = "FILE", description = "Image (default: a generated 640x480 picture).") Path image;
    @Option(names = "--runs", defaultValue = "3") int runs;
    @Option(names = "--new-tokens", defaultValue = "32") int newTokens;
    @Option(names = "--json", description = "Print one JSON object.") boolean json;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || newTokens < 1) throw new IllegalArgumentException("--runs and --new-tokens must be >= 1");
        double bandwidth = bandwidthGbs();
        long t0 = System.nanoTime();
        try (VisionLanguageModel m = ModelRegistry.load(model.model, model.loadOptions())) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            m.featureCache().setBudget(0); // every run must run the vision tower: a cache hit would hide its time
            RgbImage img = image != null ? ImageDecoder.decode(image) : picture();
            String prompt = m.chatTemplate().render(List.of(io.llava4j.chat.Message.of("user", "<image>\nDescribe the image in detail.")), true);
            DecoderLm lm = m.languageModel();
            List<double[]> samples = new ArrayList<>(); // encode ms, prefill ms, decode ms, positions
            for (int r = 0; r < runs + 1; r++) { // first run warms the JIT and is dropped
                long a = System.nanoTime();
                MultimodalPrompt p = m.prepare(prompt, List.of(img), List.of());
                long b = System.nanoTime();
                KvCache cache = lm.newCache(p.length() + newTokens);
                float[] logits = lm.forward(p.embeddings(lm), p.length(), cache, false);
                long c = System.nanoTime();
                float[] x = new float[lm.config().hiddenSize()];
                for (int s = 0; s < newTokens; s++) {
                    lm.embed(TopK.of(logits, 1)[0], x, 0);
                    logits = lm.forward(x, 1, cache, false);
                }
                long d = System.nanoTime();
                if (r > 0) samples.add(new double[] {(b - a) / 1e6, (c - b) / 1e6, (d - c) / 1e6, p.length()});
            }
            double encode = median(samples, 0), prefill = median(samples, 1), decode = median(samples, 2), positions = samples.getFirst()[3];
            long weightBytes = decodeWeightBytes(model.model, model.loadOptions().quantize());
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("model", m.name()).put("threads", Parallel.threads()).put("runs", runs).put("prompt_positions", (int) positions)
                    .put("load_ms", loadMs).put("encode_ms", encode)
                    .put("prefill_tok_s", positions / (prefill / 1000)).put("decode_tok_s", newTokens / (decode / 1000))
                    .put("ttft_ms", encode + prefill).put("peak_rss_bytes", peakRss())
                    .put("bandwidth_gb_s", bandwidth).put("decode_weight_bytes", weightBytes)
                    .put("decode_limit_tok_s", bandwidth * 1e9 / Math.max(1, weightBytes));
            if (json) System.out.println(Json.MAPPER.writeValueAsString(o));
            else o.properties().forEach(e -> System.out.printf("%-20s %s%n", e.getKey(), e.getValue()));
        }
        return 0;
    }

    static double median(List<double[]> s, int k) {
        double[] v = s.stream().mapToDouble(a -> a[k]).sorted().toArray();
        return v[v.length / 2];
    }

    /** Bytes the decoder reads per generated token: every decoder linear weight and the output projection. */
    /** Bytes of weights one decode step reads: decoder layers and lm_head, as stored or as quantized at load. */
    static long decodeWeightBytes(Path dir, io.llava4j.tensor.DType quantize) {
        long sum = 0;
        try (WeightMap w = io.llava4j.format.Checkpoints.open(dir)) {
            for (String n : w.names()) {
                if (n.contains("vision") || n.contains("projector") || n.contains("embed_tokens") && !n.contains("lm_head")) continue;
                if (!n.matches(".*layers\\.\\d+\\..*\\.weight") && !n.endsWith("lm_head.weight")) continue;
                io.llava4j.tensor.Tensor t = w.get(n);
                boolean quantized = quantize != null && io.llava4j.format.QuantizingWeightMap.isDecoderLinear(n, t);
                sum += quantized ? quantize.sizeOf(t.numel()) : t.data().byteSize();
            }
        }
        return sum;
    }

    static long peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("\\D+", "")) * 1024;
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }

    /** Read bandwidth over a 512 MiB array with all engine threads (median of 5 passes), GB/s. */
    static double bandwidthGbs() {
        int n = 128 << 20;
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        double[] t = new double[5];
        for (int r = 0; r < t.length; r++) {
            long s = System.nanoTime();
            float[] partial = new float[Parallel.threads() * 8];
            Parallel.forRange(n / 4096, 64, (from, to) -> {
                FloatVector acc = FloatVector.zero(FloatVector.SPECIES_PREFERRED);
                int L = FloatVector.SPECIES_PREFERRED.length();
                for (int i = from * 4096; i < to * 4096; i += L) acc = acc.add(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, a, i));
                synchronized (partial) { partial[0] += acc.reduceLanes(VectorOperators.ADD); }
            });
            t[r] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return (double) n * 4 / t[2] / 1e9;
    }

    static RgbImage picture() {
        BufferedImage bi = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = bi.createGraphics();
        g.setColor(new Color(200, 220, 240));
        g.fillRect(0, 0, 640, 480);
        g.setColor(Color.RED);
        g.fillOval(200, 150, 200, 200);
        g.dispose();
        return ImageDecoder.toRgb(bi);
    }
}
