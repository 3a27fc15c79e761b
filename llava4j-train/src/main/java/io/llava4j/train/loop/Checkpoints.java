package io.llava4j.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.format.SafetensorsFile;
import io.llava4j.format.SafetensorsWriter;
import io.llava4j.tensor.Tensor;
import io.llava4j.train.Param;
import io.llava4j.train.optim.AdamW;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resumable checkpoints, {@code OUTPUT/checkpoint-STEP/}:
 * <pre>
 * trainable.safetensors   every trainable Param (F32, by name)
 * optimizer.bin           AdamW moments and step ({@link AdamW#save})
 * model_state.bin         the model's extra state, when it implements {@link ModelState}
 * trainer_state.json      global_step, epoch, micro_batch (next micro-batch of that epoch), and the settings that
 *                         must not change on resume (samples, batch size, accumulation, seed, total steps)
 * ...                     whatever the {@link SaveHook} writes (the model in its published format)
 * </pre>
 * A checkpoint is written into a hidden temporary folder beside it and renamed into place when complete, so a kill at
 * any moment leaves either the whole checkpoint or none (leftover temporary folders are removed on the next start).
 */
public final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PARAMS = "trainable.safetensors", OPTIMIZER = "optimizer.bin", MODEL_STATE = "model_state.bin", STATE = "trainer_state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String TMP_PREFIX = ".tmp-checkpoint-";

    /** Where the loop stands: optimizer steps done, and the next micro-batch (epoch, index in that epoch). */
    public record Position(long step, int epoch, int microBatch) {}

    private Checkpoints() {}

    public static Path write(Path outputDir, Position pos, ObjectNode settings, List<Param> params, AdamW optimizer,
                             Object model, SaveHook hook) throws IOException {
        Files.createDirectories(outputDir);
        Path tmp = Files.createTempDirectory(outputDir, TMP_PREFIX + pos.step() + "-");
        try {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Param p : params) {
                long[] shape = new long[p.shape.length];
                for (int i = 0; i < shape.length; i++) shape[i] = p.shape[i];
                if (tensors.put(p.name, Tensor.ofFloats(p.name, p.data, shape)) != null) throw new IllegalStateException("two trainable parameters are named " + p.name);
            }
            SafetensorsWriter.write(tmp.resolve(PARAMS), tensors, Map.of("format", "pt", "global_step", String.valueOf(pos.step())));
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp.resolve(OPTIMIZER))))) {
                optimizer.save(out);
            }
            if (model instanceof ModelState ms) {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp.resolve(MODEL_STATE))))) {
                    ms.saveState(out);
                }
            }
            hook.save(tmp);
            ObjectNode state = settings.deepCopy();
            state.put("global_step", pos.step()).put("epoch", pos.epoch()).put("micro_batch", pos.microBatch());
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(STATE).toFile(), state);
            Path target = outputDir.resolve("checkpoint-" + pos.step());
            if (Files.exists(target)) deleteTree(target); // a resumed run saving the same step again
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** The checkpoint with the highest step in {@code outputDir}, if any. */
    public static Optional<Path> latest(Path outputDir) throws IOException {
        return list(outputDir).stream().max(Comparator.comparingLong(Checkpoints::stepOf));
    }

    static List<Path> list(Path outputDir) throws IOException {
        if (!Files.isDirectory(outputDir)) return List.of();
        try (Stream<Path> s = Files.list(outputDir)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(STATE))).toList();
        }
    }

    static long stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(checkpoint + " is not a checkpoint-STEP folder");
        return Long.parseLong(m.group(1));
    }

    /** Removes temporary folders of checkpoints that a killed run did not finish. */
    static void removeUnfinished(Path outputDir) throws IOException {
        if (!Files.isDirectory(outputDir)) return;
        try (Stream<Path> s = Files.list(outputDir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TMP_PREFIX)).toList()) deleteTree(p);
        }
    }

    /** Keeps the newest {@code limit} checkpoints (all when limit <= 0). */
    static void prune(Path outputDir, int limit) throws IOException {
        if (limit <= 0) return;
        List<Path> all = list(outputDir).stream().sorted(Comparator.comparingLong(Checkpoints::stepOf)).toList();
        for (int i = 0; i < all.size() - limit; i++) deleteTree(all.get(i));
    }

    /**
     * Loads parameters, optimizer and model state from {@code checkpoint}; throws when its settings differ from
     * {@code settings} (a resumed run must see the same data, batches and seed to continue exactly).
     */
    public static Position restore(Path checkpoint, ObjectNode settings, List<Param> params, AdamW optimizer, Object model) throws IOException {
        JsonNode state = JSON.readTree(checkpoint.resolve(STATE).toFile());
        for (var it = settings.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode saved = state.get(e.getKey());
            if (saved == null || !saved.asText().equals(e.getValue().asText())) {
                throw new IllegalArgumentException("cannot resume from " + checkpoint + ": " + e.getKey() + " was " + saved + ", now " + e.getValue());
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve(PARAMS))) {
            for (Param p : params) {
                Tensor t = f.find(p.name).orElseThrow(() -> new IOException(checkpoint.resolve(PARAMS) + " has no parameter " + p.name));
                float[] v = t.toFloatArray();
                if (v.length != p.data.length) throw new IOException("parameter " + p.name + " has " + v.length + " values in the checkpoint, " + p.data.length + " in the model");
                System.arraycopy(v, 0, p.data, 0, v.length);
            }
            if (f.names().size() != params.size()) throw new IOException(checkpoint.resolve(PARAMS) + " holds " + f.names().size() + " parameters, the model trains " + params.size());
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(checkpoint.resolve(OPTIMIZER))))) {
            optimizer.load(in);
        }
        if (model instanceof ModelState ms) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(checkpoint.resolve(MODEL_STATE))))) {
                ms.loadState(in);
            }
        }
        return new Position(state.get("global_step").asLong(), state.get("epoch").asInt(), state.get("micro_batch").asInt());
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
