package io.llava4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code _job.json}: which job an output folder holds (a fingerprint of the items, the partitioning and the
 * generation options). A rerun into the same folder must be the same job, otherwise skipping "committed"
 * partitions would mix answers of two jobs; a different job is refused with a clear message.
 */
final class JobManifest {
    private JobManifest() {}

    static String fingerprint(List<BatchItem> items, int partitionSize, BatchSpec spec) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((spec.identity() + "|" + partitionSize + "\n").getBytes(StandardCharsets.UTF_8));
            for (BatchItem i : items) {
                d.update((i.questionIdJson() + "\u0000" + i.text() + "\u0000" + i.image() + "\u0000" + i.video() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the manifest, or checks that the folder already holds this job. */
    static void claim(OutputLayout out, String fingerprint, int items, int partitions) throws IOException {
        Path m = out.manifest();
        if (Files.exists(m)) {
            JsonNode old = Json.MAPPER.readTree(m.toFile());
            if (!fingerprint.equals(old.path("fingerprint").asText())) {
                throw new IllegalArgumentException(out.dir + " holds the output of a different job (other input, model, options or"
                        + " --partition-size); use another --output or delete it");
            }
            return;
        }
        Files.createDirectories(out.dir);
        var node = Json.MAPPER.createObjectNode().put("fingerprint", fingerprint).put("items", items).put("partitions", partitions);
        Path tmp = Files.createTempFile(out.dir, ".job", ".tmp");
        Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        Files.move(tmp, m, StandardCopyOption.ATOMIC_MOVE);
    }
}
