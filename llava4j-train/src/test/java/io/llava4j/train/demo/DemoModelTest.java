package io.llava4j.train.demo;

import io.llava4j.api.Chat;
import io.llava4j.api.Llava4j;
import io.llava4j.chat.ConversationTemplates;
import io.llava4j.chat.JinjaChatTemplate;
import io.llava4j.chat.Message;
import io.llava4j.format.SafetensorsFile;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DemoModelTest {
    @TempDir static Path dir;
    static Path model;
    static final DemoModelSpec SPEC = DemoModelSpec.defaults();

    @BeforeAll
    static void write() throws Exception {
        model = dir.resolve("demo-model");
        DemoModel.write(model, SPEC, 42);
    }

    @Test
    void sizeAndFlopsAreSmall() {
        DemoTokenizer.Built tok = DemoModel.defaultTokenizer();
        long params = SPEC.parameters(tok.vocabSize());
        double flops = SPEC.trainingFlopsPerSample(60, tok.vocabSize());
        System.out.printf("[info] demo model: %d parameters (%.2f M), vocab %d, %d image tokens; training %.2f GFLOP per sample of 60 text tokens%n",
                params, params / 1e6, tok.vocabSize(), SPEC.imageTokens(), flops / 1e9);
        assertTrue(params > 2_000_000 && params < 6_000_000, "parameters " + params);
        assertEquals(64, SPEC.imageTokens());
    }

    @Test
    void coreLoadsTheFolderAndGeneratesAboutAGeneratedImage() throws Exception {
        Path png = dir.resolve("scene.png");
        Files.write(png, SceneRenderer.png(DemoDataset.testScene(1, 0, 64)));
        try (Llava4j llava = Llava4j.load(model)) {
            assertEquals(DemoModel.defaultTokenizer().vocabSize(), llava.model().tokenizer().vocabSize());
            Chat chat = llava.newChat();
            Chat.Reply r = chat.send("What color is the circle?", List.of(ImageDecoder.decode(png)),
                    SamplingParams.greedy().withMaxNewTokens(6), null);
            System.out.println("[info] random-init demo model answers: " + r.text());
            
            assertTrue(r.result().promptTokens() > 64, "prompt tokens " + r.result().promptTokens() + " include the 64 image tokens");
            assertTrue(r.result().tokenIds().length >= 1 && r.result().tokenIds().length <= 6);
            // a second turn goes through the same template
            Chat.Reply r2 = chat.send("Where is the circle?", List.of(), SamplingParams.greedy().withMaxNewTokens(3), null);
            assertTrue(r2.result().promptTokens() > r.result().promptTokens());
        }
    }

    @Test
    void chatTemplateRendersVicunaV1AsLlavaDoes() {
        JinjaChatTemplate jinja = JinjaChatTemplate.fromModelDir(model).orElseThrow();
        var v1 = ConversationTemplates.byName("vicuna_v1");
        List<List<Message>> conversations = List.of(
                List.of(Message.of(Message.USER, "<image>\nWhat color is the circle?")),
                List.of(Message.of(Message.USER, "<image>\nWhat color is the circle?"), Message.of(Message.ASSISTANT, "The circle is red."),
                        Message.of(Message.USER, "Where is the circle?")),
                List.of(Message.system("Be brief."), Message.of(Message.USER, "<image>\nDescribe the image.")));
        for (List<Message> c : conversations) {
            assertEquals(v1.render(c, true), jinja.render(c, true));
        }
        assertEquals(DemoChatFormat.SYSTEM + " USER: <image>\nWhat? ASSISTANT: It is.</s>USER: Where? ASSISTANT:",
                jinja.render(List.of(Message.of(Message.USER, "<image>\nWhat?"), Message.of(Message.ASSISTANT, "It is."),
                        Message.of(Message.USER, "Where?")), true));
    }

    @Test
    void weightsFollowHfInitScales() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            float[] q = f.find("language_model.model.layers.0.self_attn.q_proj.weight").orElseThrow().toFloatArray();
            double sum = 0, sq = 0;
            for (float v : q) { sum += v; sq += v * v; }
            double std = Math.sqrt(sq / q.length - Math.pow(sum / q.length, 2));
            System.out.printf("[diff] init std of q_proj vs 0.02: %.2e%n", Math.abs(std - 0.02));
            assertEquals(0.02, std, 0.001);
            for (float v : f.find("language_model.model.norm.weight").orElseThrow().toFloatArray()) assertEquals(1f, v);
            for (float v : f.find("multi_modal_projector.linear_1.bias").orElseThrow().toFloatArray()) assertEquals(0f, v);
            for (float v : f.find("vision_tower.vision_model.pre_layrnorm.weight").orElseThrow().toFloatArray()) assertEquals(1f, v);
        }
    }
}
