package io.llava4j.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConversationTemplateTest {

    /**
     * conversation_templates_upstream.json: prompts produced by the upstream Python get_prompt() of each repo
     * (see its _note) for single-turn, multi-turn, system-override and no-generation-prompt cases.
     */
    @Test
    void matchesUpstreamGetPrompt() throws IOException {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("conversation_templates_upstream.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        int n = 0;
        List<String> failures = new ArrayList<>();
        for (JsonNode c : doc.get("cases")) {
            List<Message> msgs = new ArrayList<>();
            for (JsonNode m : c.get("messages")) msgs.add(Message.of(m.get("role").asText(), m.get("text").asText()));
            String name = c.get("template").asText();
            String got = ConversationTemplates.byName(name).render(msgs, c.get("add_generation_prompt").asBoolean());
            String expected = c.get("expected").asText();
            if (!got.equals(expected)) failures.add(name + ": expected\n  " + expected + "\ngot\n  " + got);
            n++;
        }
        System.out.printf("[chat] conversation templates: %d/%d upstream get_prompt cases match%n",
                n - failures.size(), n);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(n >= 50);
    }

    @Test
    void vicunaV1MultiTurnExact() {
        String p = Conversation.of()
                .withUser("What is this?<image>")
                .withAssistant("A cat.")
                .withUser("What color is it?")
                .render(ConversationTemplates.byName("vicuna_v1"), true);
        assertEquals("A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                + "helpful, detailed, and polite answers to the user's questions. USER: <image>\nWhat is this? "
                + "ASSISTANT: A cat.</s>USER: What color is it? ASSISTANT:", p);
    }

    @Test
    void systemOverrideAndLlama2Layout() {
        ConversationTemplate t = ConversationTemplates.byName("llava_llama_2");
        String p = Conversation.of().withSystem("SYS").withUser("<image>\nQ1").withAssistant("A1").withUser("Q2")
                .render(t, true);
        assertEquals("[INST] <<SYS>>\nSYS\n<</SYS>>\n\n<image>\nQ1 [/INST] A1 </s><s>[INST] Q2 [/INST]", p);
        assertEquals("[INST] <image>\nQ [/INST]",
                ConversationTemplates.byName("mistral_instruct").render(List.of(Message.user("Q<image>")), true));
        assertEquals("SYS USER: hi ASSISTANT:",
                ConversationTemplates.byName("llava_v1").withSystem("SYS").render(List.of(Message.user("hi")), true));
    }

    @Test
    void imageIsMovedToTheFrontOfTheFirstMessageOnly() {
        ConversationTemplate t = ConversationTemplates.byName("llava_v1").withSystem("S");
        assertEquals("S USER: <image>\nDescribe  it ASSISTANT:",
                t.render(List.of(Message.user("  Describe <image> it ")), true));
        // later messages keep their placeholders where they are
        assertEquals("S USER: <image>\nA ASSISTANT: B</s>USER: C <image> ASSISTANT:",
                t.render(List.of(Message.user("A <image>"), Message.assistant("B"), Message.user("C <image>")), true));
        // several images: the count is kept (upstream collapses them; Video-LLaVA's 8 frames stay 8)
        assertEquals("S USER: " + "<image>".repeat(8) + "\nWhy? ASSISTANT:",
                t.render(List.of(Message.user("<image>".repeat(8) + "\nWhy?")), true));
        // no image: text untouched
        assertEquals("S USER:  spaced  ASSISTANT:", t.render(List.of(Message.user(" spaced ")), true));
        // LLaVA-NeXT rule: a message already starting with <image> is left alone
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<image> x<|im_end|>\n"
                + "<|im_start|>assistant\n", ConversationTemplates.byName("qwen_1_5").render(
                List.of(Message.user("<image> x")), true));
    }

    @Test
    void pllavaConvPlainV1() {
        ConversationTemplate t = ConversationTemplates.byName("conv_plain_v1");
        assertEquals("USER:<image> Q1 ASSISTANT:A1</s>USER:Q2 ASSISTANT:", t.render(List.of(
                Message.user("<image> Q1"), Message.assistant("A1"), Message.user("Q2")), true));
        // a last assistant message is an answer prefix: no separator
        assertEquals("USER:<image> Q ASSISTANT:In the video,", t.render(List.of(
                Message.user("<image> Q"), Message.assistant("In the video,")), false));
        assertEquals(List.of("</s>"), t.stopStrings());
    }

    @Test
    void stopStrings() {
        assertEquals(List.of("</s>"), ConversationTemplates.byName("vicuna_v1").stopStrings());
        assertEquals(List.of("</s>"), ConversationTemplates.byName("llava_llama_2").stopStrings());
        assertEquals(List.of("</s>"), ConversationTemplates.byName("mistral_instruct").stopStrings());
        assertEquals(List.of("<|im_end|>"), ConversationTemplates.byName("chatml_direct").stopStrings());
        assertEquals(List.of("<|im_end|>"), ConversationTemplates.byName("qwen_1_5").stopStrings());
        assertEquals(List.of("###"), ConversationTemplates.byName("llava_v0").stopStrings());
        assertEquals(List.of("###"), ConversationTemplates.byName("chatunivi_simple").stopStrings());
        assertEquals(List.of("\n"), ConversationTemplates.byName("plain").stopStrings());
    }

    @Test
    void registryAndErrors() {
        for (String n : List.of("vicuna_v1", "llava_v1", "llava_llama_2", "mistral_instruct", "chatml_direct", "mpt",
                "plain", "llava_v0", "conv_plain_v1", "chatunivi_simple", "chatunivi_v1", "qwen_1_5")) {
            assertTrue(ConversationTemplates.names().contains(n), n);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConversationTemplates.byName("vicuna_v2"));
        assertTrue(e.getMessage().contains("vicuna_v2") && e.getMessage().contains("llava_v1")
                && e.getMessage().contains("conv_plain_v1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConversationTemplates.byName("llava_v1")
                .render(List.of(Message.of("tool", "x")), true));
        assertThrows(IllegalArgumentException.class, () -> ConversationTemplates.byName("llava_v1")
                .render(List.of(Message.user("x"), Message.system("late")), true));
        assertThrows(IllegalArgumentException.class, () -> ConversationTemplates.byName("llava_llama_2")
                .render(List.of(Message.assistant("first")), true));
        assertThrows(IllegalArgumentException.class, () -> ConversationTemplates.byName("llava_llama_2")
                .render(List.of(), true));
        assertThrows(IllegalArgumentException.class, () -> Conversation.of().with(Message.system("no")));
    }

    @Test
    void inferFromModelNameAsRunLlava() {
        assertEquals("llava_v1", ConversationTemplates.inferFromModelName("liuhaotian/llava-v1.5-7b").name());
        assertEquals("llava_llama_2", ConversationTemplates.inferFromModelName("llava-llama-2-13b-chat").name());
        assertEquals("mistral_instruct", ConversationTemplates.inferFromModelName("llava-v1.6-mistral-7b").name());
        assertEquals("chatml_direct", ConversationTemplates.inferFromModelName("llava-v1.6-34b").name());
        assertEquals("mpt", ConversationTemplates.inferFromModelName("LLaVA-Lightning-MPT-7B-preview").name());
        assertEquals("llava_v0", ConversationTemplates.inferFromModelName("llava-13b").name());
    }

    @Test
    void messageTextRoundTripsAndConvertsToHf() {
        Message m = Message.user("<image>\nWhat <video> is this? ");
        assertEquals("<image>\nWhat <video> is this? ", m.text());
        assertEquals(1, m.imageCount());
        assertEquals(1, m.videoCount());
        assertEquals("{role=user, content=[{type=image}, {type=text, text=What}, {type=video}, "
                + "{type=text, text=is this? }]}", m.toHf().toString());
        assertEquals("{role=user, content=[{type=text, text= plain }]}", Message.user(" plain ").toHf().toString());
    }
}
