package io.llava4j.format;

import io.llava4j.format.torch.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Opens the weights of a model folder as one {@link WeightMap}, whatever the format: model.safetensors,
 * model.safetensors.index.json (sharded), pytorch_model.bin, pytorch_model.bin.index.json, any *.safetensors, or a
 * llama.cpp GGUF pair (text model + mmproj, served under the Hugging Face LLaVA names).
 */
public final class Checkpoints {
    private Checkpoints() {}

    public static WeightMap open(Path dir) {
        if (Files.isRegularFile(dir)) return openFile(dir);
        Path st = dir.resolve("model.safetensors");
        if (Files.isRegularFile(st)) return SafetensorsFile.open(st);
        Path stIndex = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(stIndex)) return ShardedWeightMap.open(stIndex, SafetensorsFile::open);
        Path bin = dir.resolve("pytorch_model.bin");
        if (Files.isRegularFile(bin)) return TorchCheckpoint.open(bin);
        Path binIndex = dir.resolve("pytorch_model.bin.index.json");
        if (Files.isRegularFile(binIndex)) return ShardedWeightMap.open(binIndex, TorchCheckpoint::open);
        List<Path> any;
        try (Stream<Path> s = Files.list(dir)) {
            any = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list folder: " + e.getMessage());
        }
        if (any.size() == 1) return SafetensorsFile.open(any.getFirst());
        if (!any.isEmpty()) return new ShardedWeightMap(any.stream().map(p -> (WeightMap) SafetensorsFile.open(p)).toList());
        List<Path> gguf;
        try (Stream<Path> s = Files.list(dir)) {
            gguf = s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list folder: " + e.getMessage());
        }
        if (!gguf.isEmpty()) return io.llava4j.format.gguf.LlavaGguf.openPair(gguf);
        throw new CheckpointException(dir + ": no weights found (looked for model.safetensors, model.safetensors.index.json, "
                + "pytorch_model.bin, pytorch_model.bin.index.json, *.safetensors, *.gguf)");
    }

    /** One weight file, by extension. */
    public static WeightMap openFile(Path file) {
        String n = file.getFileName().toString();
        if (n.endsWith(".safetensors")) return SafetensorsFile.open(file);
        if (n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth")) return TorchCheckpoint.open(file);
        if (n.endsWith(".index.json")) return ShardedWeightMap.open(file, p -> openFile(p));
        if (n.endsWith(".gguf")) return io.llava4j.format.gguf.LlavaGguf.openPair(List.of(file));
        throw new CheckpointException(file + ": unknown weight file type (expected .safetensors, .bin, .pt, .pth, .gguf)");
    }
}
