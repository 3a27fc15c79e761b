package io.llava4j.model.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.chat.Message;
import io.llava4j.engine.Generator;
import io.llava4j.engine.TopK;
import io.llava4j.format.Npy;
import io.llava4j.format.gguf.GgufFile;
import io.llava4j.format.gguf.GgufValue;
import io.llava4j.format.gguf.GgufValueType;
import io.llava4j.format.gguf.GgufWriter;
import io.llava4j.format.gguf.LlavaGguf;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import io.llava4j.tensor.DType;
import io.llava4j.tensor.Tensor;
import io.llava4j.testing.Diff;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pair shaped like llama.cpp's legacy LLaVA-1.5 conversion of the original checkpoint (llava_surgery +
 * convert_image_encoder_to_gguf + convert_hf_to_gguf): vocabulary 32000 with no {@code <image>} token, {@code <unk>}
 * typed CONTROL, no chat template, no llava4j keys, an mmproj without feature_layer / image_aspect_ratio. Loaded alone
 * it must run the original LLaVA pipeline (llava_v1 template, pad to square, the prompt cut at the image marker) and
 * give the original-layout fixture's golden ids and logits.
 */
class LlamaCppStylePairTest {
    @TempDir Path tmp;

    @Test
    void legacyConversionRunsTheOriginalLlavaPipeline() throws Exception {
        Path src = Fixtures.dir("llava-1.5-tiny");
        Path orig = Fixtures.dir("llava-1.5-tiny-original-layout");
        JsonNode g = Fixtures.golden("llava-1.5-tiny-original-layout");
        List<Path> ours = LlavaGguf.exportFolder(src, DType.F16, Files.createDirectories(tmp.resolve("ours")));
        Path dir = Files.createDirectories(tmp.resolve("llama.cpp-style"));
        rewriteText(ours.get(0), dir.resolve("ggml-model-f16.gguf"), 32000);
        rewriteMmproj(ours.get(1), dir.resolve("mmproj-model-f16.gguf"));

        double[] gold = Npy.read(orig.resolve("golden/orig_last_logits.npy")).values();
        try (VisionLanguageModel m = ModelRegistry.load(dir, LoadOptions.defaults())) {
            LlavaConfig cfg = ((LlavaModel) m).config();
            assertEquals(LlavaConfig.Layout.ORIGINAL, cfg.layout(), "no <image> token: the prompt is cut at the marker");
            assertTrue(cfg.padToSquare(), "no image_aspect_ratio: pad to square as llama.cpp and the original LLaVA do");
            assertEquals(2, cfg.featureLayerIndex(), "legacy mmproj: every stored block");
            String prompt = m.chatTemplate().render(List.of(Message.of(Message.USER, new Message.Image(), new Message.Text("What is shown in this image?"))), true);
            assertEquals(g.get("prompt").get("text").asText(), prompt, "no tokenizer.chat_template: llava_v1");
            var p = m.prepare(prompt, List.of(ImageDecoder.decode(orig.resolve("golden/img_landscape_200x150.png"))), List.of());
            assertArrayEquals(g.get("prompt").get("input_ids_with_-200").valueStream().mapToInt(JsonNode::asInt).toArray(), p.inputIds());
            float[] logits = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(1), null).firstLogits();
            assertEquals(32000, logits.length);
            double d = Diff.maxAbs(logits, gold);
            float[] goldF = new float[gold.length];
            for (int i = 0; i < gold.length; i++) goldF[i] = (float) gold[i];
            System.out.printf("[diff] llama.cpp-style legacy pair (F16) loaded alone: last logits vs original-pipeline fp32 golden max abs %.3e%n", d);
            assertEquals(TopK.of(goldF, 1)[0], TopK.of(logits, 1)[0]);
            assertTrue(d < 1e-3, "vs golden " + d);
        }
    }

    /** The text model as convert_hf_to_gguf writes the original checkpoint: 32000 tokens, specials CONTROL, no extras. */
    static void rewriteText(Path from, Path to, int vocab) throws Exception {
        try (GgufFile f = GgufFile.open(from)) {
            GgufWriter w = new GgufWriter();
            Set<String> drop = Set.of("tokenizer.chat_template", "llava4j.tokenizer.legacy", "tokenizer.ggml.padding_token_id");
            for (Map.Entry<String, GgufValue> e : f.metadata().entrySet()) {
                String k = e.getKey();
                if (drop.contains(k)) continue;
                GgufValue v = e.getValue();
                if (k.equals("llama.vocab_size")) v = GgufValue.u32(vocab);
                if (v.type() == GgufValueType.ARRAY && k.startsWith("tokenizer.ggml.")) {
                    List<Object> l = new ArrayList<>(v.asList().subList(0, vocab));
                    if (k.equals("tokenizer.ggml.token_type")) for (int i = 0; i < 3; i++) l.set(i, 3); // <unk> <s> </s>: CONTROL
                    v = GgufValue.array(v.elementType(), l);
                }
                w.put(k, v);
            }
            for (String n : f.names()) {
                Tensor t = f.get(n);
                if (n.equals("token_embd.weight") || n.equals("output.weight")) {
                    long cols = t.dim(1);
                    t = new Tensor(n, t.dtype(), new long[] {vocab, cols}, t.data().asSlice(0, t.dtype().sizeOf(vocab * cols)));
                }
                w.tensor(n, t);
            }
            w.write(to);
        }
    }

    /** The mmproj as convert_image_encoder_to_gguf writes it: no feature_layer, no image_aspect_ratio. */
    static void rewriteMmproj(Path from, Path to) throws Exception {
        try (GgufFile f = GgufFile.open(from)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> {
                if (!k.equals("clip.vision.feature_layer") && !k.equals("clip.vision.image_aspect_ratio")) w.put(k, v);
            });
            for (String n : f.names()) w.tensor(n, f.get(n));
            w.write(to);
        }
    }
}
