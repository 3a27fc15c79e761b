package io.llava4j.format;

import io.llava4j.format.torch.TorchCheckpoint;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** safetensors (single, sharded), PyTorch .bin (restricted unpickler), and their error paths. */
class CheckpointLoadingTest {
    @TempDir Path tmp;

    /** HF name for an original-layout name (inverse of convert_llava_weights_to_hf.py). */
    static String hfName(String orig) {
        if (orig.startsWith("model.vision_tower.vision_tower.")) return orig.substring("model.vision_tower.".length());
        if (orig.startsWith("model.mm_projector.0")) return orig.replace("model.mm_projector.0", "multi_modal_projector.linear_1");
        if (orig.startsWith("model.mm_projector.2")) return orig.replace("model.mm_projector.2", "multi_modal_projector.linear_2");
        if (orig.startsWith("lm_head")) return "language_model." + orig;
        if (orig.startsWith("model.")) return "language_model." + orig;
        return orig;
    }

    @Test
    void pytorchBinHoldsTheSameWeightsAsTheHfSafetensors() {
        try (WeightMap bin = Checkpoints.open(Fixtures.dir("llava-1.5-tiny-original-layout"));
             WeightMap hf = Checkpoints.open(Fixtures.dir("llava-1.5-tiny"))) {
            assertTrue(bin instanceof TorchCheckpoint);
            int compared = 0;
            double worst = 0;
            for (String name : bin.names()) {
                Tensor a = bin.get(name);
                assertTrue(a.data().isMapped() || a.data().isNative(), "mapped, not copied: " + name);
                Tensor b = hf.get(hfName(name));
                float[] av = a.toFloatArray(), bv = b.toFloatArray();
                // original vocab is 32000 rows, HF 32064: compare the common rows
                for (int i = 0; i < av.length; i++) worst = Math.max(worst, Math.abs(av[i] - bv[i]));
                compared++;
            }
            System.out.printf("[diff] .bin vs safetensors: %d tensors compared, max abs diff %.3e%n", compared, worst);
            assertEquals(0.0, worst);
            assertTrue(compared > 30, "compared " + compared);
        }
    }

    @Test
    void shardedSafetensorsEqualsSingleFile() throws Exception {
        Path dir = tmp.resolve("sharded");
        try (WeightMap single = Checkpoints.open(Fixtures.dir("llava-1.5-tiny"))) {
            List<String> names = List.copyOf(single.names());
            Map<String, Tensor> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
            StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
            for (int i = 0; i < names.size(); i++) {
                String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (i % 2 == 0 ? a : b).put(names.get(i), single.get(names.get(i)));
                index.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append("\":\"").append(shard).append('"');
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"));
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), b, null);
            Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
            try (WeightMap sharded = Checkpoints.open(dir)) {
                assertEquals(single.names(), sharded.names());
                for (String n : names) assertEquals(java.util.Arrays.toString(single.get(n).toFloatArray()), java.util.Arrays.toString(sharded.get(n).toFloatArray()), n);
            }
            Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
            assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors") && e.getMessage().contains("missing"), e.getMessage());
        }
    }

    /** An index may only name shards inside the model folder (a checkpoint from elsewhere must not read other files). */
    @Test
    void shardOutsideTheModelFolderIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("escape").resolve("model"));
        Files.copy(Fixtures.dir("llava-1.5-tiny").resolve("model.safetensors"), tmp.resolve("escape").resolve("outside.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"language_model.model.norm.weight\": \"../outside.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("outside the model folder"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptSafetensorsAreRefusedClearly() throws Exception {
        byte[] good = Files.readAllBytes(Fixtures.dir("llava-1.5-tiny").resolve("model.safetensors"));
        Path cutHeader = tmp.resolve("a.safetensors");
        Files.write(cutHeader, java.util.Arrays.copyOf(good, 100));
        assertMessage(() -> SafetensorsFile.open(cutHeader), "header");
        Path cutData = tmp.resolve("b.safetensors");
        Files.write(cutData, java.util.Arrays.copyOf(good, good.length - 10));
        assertMessage(() -> SafetensorsFile.open(cutData), "truncated");
        Path badJson = tmp.resolve("c.safetensors");
        byte[] bad = good.clone();
        bad[8] = 'x';
        Files.write(badJson, bad);
        assertMessage(() -> SafetensorsFile.open(badJson), "c.safetensors");
    }

    @Test
    void truncatedBinIsRefusedClearly() throws Exception {
        byte[] good = Files.readAllBytes(Fixtures.dir("llava-1.5-tiny-original-layout").resolve("pytorch_model.bin"));
        Path cut = tmp.resolve("pytorch_model.bin");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length / 2));
        assertMessage(() -> TorchCheckpoint.open(cut), "truncated");
    }

    @Test
    void forbiddenGlobalInPickleIsRefused() throws Exception {
        // protocol 2: GLOBAL 'os system', then a string argument, TUPLE1, REDUCE, STOP
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[] {(byte) 0x80, 2});
        p.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        p.write('X');
        byte[] cmd = "echo pwned".getBytes(StandardCharsets.US_ASCII);
        p.write(new byte[] {(byte) cmd.length, 0, 0, 0});
        p.write(cmd);
        p.write(new byte[] {(byte) 0x85, 'R', '.'});
        Path f = writeZip("evil.bin", "archive/data.pkl", p.toByteArray(), ZipEntry.STORED);
        assertMessage(() -> TorchCheckpoint.open(f), "os.system");
    }

    @Test
    void compressedEntriesAreRefused() throws Exception {
        byte[] pkl = {(byte) 0x80, 2, '}', '.'};
        Path f = writeZip("deflated.bin", "archive/data.pkl", pkl, ZipEntry.DEFLATED);
        assertMessage(() -> TorchCheckpoint.open(f), "compressed");
    }

    @Test
    void folderWithoutWeights() {
        assertMessage(() -> Checkpoints.open(tmp), "no weights found");
    }

    Path writeZip(String file, String entry, byte[] data, int method) throws Exception {
        Path f = tmp.resolve(file);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            ZipEntry e = new ZipEntry(entry);
            e.setMethod(method);
            if (method == ZipEntry.STORED) {
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(data);
                e.setSize(data.length);
                e.setCompressedSize(data.length);
                e.setCrc(crc.getValue());
            }
            z.putNextEntry(e);
            z.write(data);
            z.closeEntry();
        }
        return f;
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable ex, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, ex);
        System.out.println("[error message] " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
}
