package io.llava4j.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Several weight files seen as one map: a sharded checkpoint described by an {@code *.index.json}
 * ({@code weight_map}: name -> shard file), or any list of maps (first one holding a name wins).
 */
public final class ShardedWeightMap implements WeightMap {
    private final List<WeightMap> parts;
    private final Map<String, WeightMap> owner;

    public ShardedWeightMap(List<WeightMap> parts) {
        this.parts = List.copyOf(parts);
        Map<String, WeightMap> o = new LinkedHashMap<>();
        for (WeightMap p : parts) for (String n : p.names()) o.putIfAbsent(n, p);
        this.owner = Collections.unmodifiableMap(o);
    }

    /** Opens every shard named in the index with {@code opener}; checks each indexed name is present. */
    public static ShardedWeightMap open(Path index, Function<Path, WeightMap> opener) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(Files.readString(index)).path("weight_map");
        } catch (IOException e) {
            throw new CheckpointException(index + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!map.isObject()) throw new CheckpointException(index + ": no weight_map");
        Set<String> files = new LinkedHashSet<>();
        map.properties().forEach(e -> files.add(e.getValue().asText()));
        List<WeightMap> parts = new ArrayList<>();
        try {
            for (String f : files) {
                Path shard = index.resolveSibling(f).normalize();
                Path folder = index.toAbsolutePath().normalize().getParent();
                if (!shard.toAbsolutePath().normalize().startsWith(folder)) {
                    throw new CheckpointException(index + ": shard " + f + " is outside the model folder");
                }
                if (!Files.isRegularFile(shard)) throw new CheckpointException(index + ": shard " + f + " is missing");
                parts.add(opener.apply(shard));
            }
            ShardedWeightMap w = new ShardedWeightMap(parts);
            map.properties().forEach(e -> {
                if (!w.has(e.getKey())) throw new CheckpointException(index + ": " + e.getKey() + " is not in shard " + e.getValue().asText());
            });
            return w;
        } catch (RuntimeException e) {
            parts.forEach(WeightMap::close);
            throw e;
        }
    }

    @Override public Set<String> names() { return owner.keySet(); }

    @Override public Optional<io.llava4j.tensor.Tensor> find(String name) {
        WeightMap p = owner.get(name);
        return p == null ? Optional.empty() : p.find(name);
    }

    @Override public void close() { parts.forEach(WeightMap::close); }
}
