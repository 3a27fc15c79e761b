package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.chat.Message;
import io.llava4j.config.Json;
import io.llava4j.engine.Generator;
import io.llava4j.engine.TopK;
import io.llava4j.format.CheckpointException;
import io.llava4j.format.Npy;
import io.llava4j.format.gguf.GgufFile;
import io.llava4j.format.gguf.GgufTokenizer;
import io.llava4j.format.gguf.LlavaGguf;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.vision.preprocess.ClipImageProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny LLaVA exported by the project's own writer and loaded back from the .gguf files ALONE (no config.json, no
 * tokenizer files): configuration, tokenizer, prompt ids, chat template and logits as the HF folder gives them.
 */
class GgufAloneTest {
    @TempDir static Path tmp;
    static Path src, aloneF16;
    static JsonNode golden;

    @BeforeAll
    static void exportF16() throws Exception {
        src = Fixtures.dir("llava-1.5-tiny");
        golden = Fixtures.golden("llava-1.5-tiny");
        aloneF16 = exportAlone(DType.F16);
    }

    /** The pair written into a scratch folder, then only the two .gguf files copied into a folder of their own. */
    static Path exportAlone(DType type) throws Exception {
        Path out = Files.createDirectories(tmp.resolve("export-" + type));
        List<Path> files = LlavaGguf.exportFolder(src, type, out);
        Path alone = Files.createDirectories(tmp.resolve("alone-" + type));
        for (Path f : files) Files.copy(f, alone.resolve(f.getFileName()));
        try (var s = Files.list(alone)) {
            assertEquals(2, s.filter(p -> p.getFileName().toString().endsWith(".gguf")).count());
        }
        assertTrue(!Files.exists(alone.resolve("config.json")) && !Files.exists(alone.resolve("tokenizer.model")));
        return alone;
    }

    static Path textFile(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith("mmproj")).findFirst().orElseThrow();
        }
    }

    @Test
    void tokenizerFromMetadataEqualsTheHfTokenizer() throws Exception {
        TextTokenizer hf = Tokenizers.load(src);
        TextTokenizer g;
        try (GgufFile f = GgufFile.open(textFile(aloneF16))) {
            g = GgufTokenizer.read(f);
            assertEquals(32064, f.meta("tokenizer.ggml.tokens").orElseThrow().asList().size(), "one token per embedding row");
        }
        assertEquals(hf.vocabSize(), g.vocabSize());
        assertEquals(hf.bosId(), g.bosId());
        assertEquals(hf.eosId(), g.eosId());
        assertEquals(hf.unkId(), g.unkId());
        assertEquals(hf.padId(), g.padId());
        assertEquals(hf.tokenId("<image>"), g.tokenId("<image>"));
        for (int id = 0; id < hf.vocabSize(); id++) {
            assertEquals(hf.token(id), g.token(id), "token " + id);
            assertEquals(hf.isSpecial(id), g.isSpecial(id), "special " + id);
        }
        JsonNode cases = Fixtures.json(Fixtures.shared().resolve("fixtures/tokenizers/llama2-vicuna/tokenizer_golden.json")).get("cases");
        int n = 0;
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] ids = c.get("ids").valueStream().mapToInt(JsonNode::asInt).toArray();
            int[] noSpecial = c.get("ids_no_special").valueStream().mapToInt(JsonNode::asInt).toArray();
            assertArrayEquals(ids, g.encode(text, true), "ids of " + text);
            assertArrayEquals(hf.encode(text, true), g.encode(text, true), "ids (vs HF) of " + text);
            assertArrayEquals(noSpecial, g.encode(text, false), "ids without specials of " + text);
            assertEquals(c.get("decode").asText(), g.decode(ids, false), "decode of " + text);
            assertEquals(c.get("decode_skip_special").asText(), g.decode(ids, true), "decode skipping specials of " + text);
            n++;
        }
        System.out.println("[diff] GGUF tokenizer vs HF tokenizer: " + n + " golden cases and " + hf.vocabSize() + " tokens identical (0 mismatches)");
    }

    @Test
    void configurationFromMetadataEqualsConfigJson() throws Exception {
        LlavaConfig hf = LlavaConfig.fromJson(Json.read(src.resolve("config.json")));
        ClipImageProcessor.Config hp = ClipImageProcessor.load(src.resolve("preprocessor_config.json")).config();
        try (VisionLanguageModel m = ModelRegistry.load(aloneF16, LoadOptions.defaults())) {
            LlavaConfig g = ((LlavaModel) m).config();
            assertEquals(hf.textConfig(), g.textConfig(), "text config (llama.* keys)");
            var hv = hf.visionConfig();
            var gv = g.visionConfig();
            assertEquals(List.of(hv.hiddenSize(), hv.intermediateSize(), hv.numHeads(), hv.imageSize(), hv.patchSize(), hv.numChannels()),
                    List.of(gv.hiddenSize(), gv.intermediateSize(), gv.numHeads(), gv.imageSize(), gv.patchSize(), gv.numChannels()));
            assertEquals(hv.layerNormEps(), gv.layerNormEps());
            assertEquals(hv.hiddenAct(), gv.hiddenAct());
            assertEquals(hf.featureLayerIndex(), g.featureLayerIndex(), "feature layer (hidden_states index)");
            assertEquals(hf.featureLayerIndex(), gv.numLayers(), "blocks after the feature layer are not stored");
            assertEquals(List.of(hf.layout(), hf.imageTokenId(), hf.padTokenId(), hf.keepCls(), hf.projectorType(), hf.projectorAct(), hf.padToSquare()),
                    List.of(g.layout(), g.imageTokenId(), g.padTokenId(), g.keepCls(), g.projectorType(), g.projectorAct(), g.padToSquare()));
            ClipImageProcessor.Config gp = ((LlavaModel) m).imageProcessorConfig();
            assertEquals(List.of(hp.shortestEdge(), hp.cropHeight(), hp.cropWidth(), hp.resample(), hp.doCenterCrop()),
                    List.of(gp.shortestEdge(), gp.cropHeight(), gp.cropWidth(), gp.resample(), gp.doCenterCrop()));
            assertEquals(hp.rescaleFactor(), gp.rescaleFactor(), 1e-12);
            assertArrayEquals(hp.imageMean(), gp.imageMean(), 1e-7);
            assertArrayEquals(hp.imageStd(), gp.imageStd(), 1e-7);
            assertArrayEquals(new int[] {2}, m.stopTokenIds());
            try (VisionLanguageModel folder = ModelRegistry.load(src, LoadOptions.defaults())) {
                List<Message> conv = List.of(Message.of(Message.USER, new Message.Image(), new Message.Text("What is it?")),
                        Message.assistant("A cat."), Message.user("Sure?"));
                assertEquals(folder.chatTemplate().render(conv, true), m.chatTemplate().render(conv, true), "tokenizer.chat_template");
            }
        }
    }

    @Test
    void promptIdsAndF16LogitsFromTheGgufFilesAlone() throws Exception {
        float[] gold = floats(Npy.read(src.resolve("golden/llava_last_logits.npy")).values());
        try (VisionLanguageModel m = ModelRegistry.load(aloneF16, LoadOptions.defaults())) {
            var image = ImageDecoder.decode(src.resolve("golden/img_landscape_200x150.png"));
            var p = m.prepare(golden.get("prompt").get("text").asText(), List.of(image), List.of());
            int[] want = golden.get("prompt").get("input_ids").valueStream().mapToInt(JsonNode::asInt).toArray();
            assertArrayEquals(want, p.inputIds(), "prompt ids");
            var portrait = m.prepare(golden.get("prompt_portrait").get("text").asText(),
                    List.of(ImageDecoder.decode(src.resolve("golden/img_portrait_120x240.png"))), List.of());
            assertArrayEquals(golden.get("prompt_portrait").get("input_ids").valueStream().mapToInt(JsonNode::asInt).toArray(), portrait.inputIds());
            float[] logits = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
            double d = Diff.maxAbs(logits, gold);
            System.out.printf("[diff] F16 GGUF pair loaded alone: last logits vs fp32 golden max abs %.3e (top-1 %d, golden %d)%n",
                    d, TopK.of(logits, 1)[0], TopK.of(gold, 1)[0]);
            assertEquals(TopK.of(gold, 1)[0], TopK.of(logits, 1)[0]);
            assertTrue(d < 1e-3, "F16 vs fp32 golden " + d);
        }
    }

    @Test
    void quantizedPairsLoadedAloneKeepTheTopToken() throws Exception {
        float[] gold = floats(Npy.read(src.resolve("golden/llava_last_logits.npy")).values());
        int goldTop = TopK.of(gold, 1)[0];
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_0, DType.Q4_K}) {
            Path alone = exportAlone(t);
            try (VisionLanguageModel m = ModelRegistry.load(alone, LoadOptions.defaults())) {
                var p = m.prepare(golden.get("prompt").get("text").asText(),
                        List.of(ImageDecoder.decode(src.resolve("golden/img_landscape_200x150.png"))), List.of());
                float[] logits = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
                double d = Diff.maxAbs(logits, gold);
                int top = TopK.of(logits, 1)[0];
                System.out.printf("[diff] %s GGUF pair loaded alone: last logits vs fp32 golden max abs %.3e, top-1 %d (golden %d)%n", t, d, top, goldTop);
                double bound = t == DType.Q4_0 ? 0.8 : 0.1;
                assertTrue(d <= bound, t + ": " + d + " > " + bound);
                assertEquals(goldTop, top, t + " keeps the top-1 token");
            }
        }
    }

    @Test
    void pairGivenAsTwoFilesAndClearErrorsForIncompletePairs() throws Exception {
        Path text = textFile(aloneF16);
        Path mm;
        try (var s = Files.list(aloneF16)) {
            mm = s.filter(p -> p.getFileName().toString().startsWith("mmproj")).findFirst().orElseThrow();
        }
        Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
        Files.copy(text, a.resolve("model.gguf"));
        Files.copy(mm, b.resolve("vision.gguf"));
        try (VisionLanguageModel m = ModelRegistry.load(a.resolve("model.gguf"), new LoadOptions(null, null, null, null, b.resolve("vision.gguf")))) {
            assertEquals(16, ((LlavaModel) m).imageEncoder().tokensPerImage());
        }
        String e = assertThrows(CheckpointException.class, () -> ModelRegistry.load(a.resolve("model.gguf"), LoadOptions.defaults())).getMessage();
        assertTrue(e.contains("no mmproj") && e.contains("--mmproj"), e);
        e = assertThrows(CheckpointException.class, () -> ModelRegistry.load(a, LoadOptions.defaults())).getMessage();
        assertTrue(e.contains("no mmproj"), e);
        e = assertThrows(CheckpointException.class, () -> ModelRegistry.load(b.resolve("vision.gguf"), LoadOptions.defaults())).getMessage();
        assertTrue(e.contains("is an mmproj"), e);
        e = assertThrows(CheckpointException.class, () -> ModelRegistry.load(a.resolve("model.gguf"), new LoadOptions(null, null, null, null, a.resolve("model.gguf")))).getMessage();
        assertTrue(e.contains("not an mmproj"), e);
        Files.copy(text, b.resolve("second.gguf"));
        Files.copy(text, b.resolve("third.gguf"));
        e = assertThrows(CheckpointException.class, () -> ModelRegistry.load(b, LoadOptions.defaults())).getMessage();
        assertTrue(e.contains("several text-model"), e);
        e = assertThrows(CheckpointException.class, () -> ModelRegistry.load(a, new LoadOptions(null, null, null, null, tmp.resolve("missing.gguf")))).getMessage();
        assertTrue(e.contains("not found"), e);
    }

    @Test
    void unsupportedOrMissingTokenizerIsNamed() throws Exception {
        Path text = textFile(aloneF16);
        for (String model : new String[] {"gpt2", null}) {
            Path f = tmp.resolve("tok-" + model + ".gguf");
            try (GgufFile g = GgufFile.open(text)) {
                var w = new io.llava4j.format.gguf.GgufWriter();
                g.metadata().forEach((k, v) -> {
                    if (!k.equals("tokenizer.ggml.model")) w.put(k, v);
                    else if (model != null) w.putString(k, model);
                });
                for (String n : g.names()) w.tensor(n, g.get(n));
                w.write(f);
            }
            try (GgufFile g = GgufFile.open(f)) {
                String e = assertThrows(CheckpointException.class, () -> GgufTokenizer.read(g)).getMessage();
                assertTrue(e.contains(model == null ? "tokenizer.ggml.model is missing" : "'gpt2' is not supported"), e);
            }
        }
    }

    static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
