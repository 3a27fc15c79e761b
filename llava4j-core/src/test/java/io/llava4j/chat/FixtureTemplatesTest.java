package io.llava4j.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every golden prompt of every fixture model folder, rendered by our templates, must equal the golden text. */
class FixtureTemplatesTest {

    private static List<Path> modelDirs() throws IOException {
        Path root = Fixtures.shared().resolve("fixtures");
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("golden/golden.json"))).sorted().toList();
        }
    }

    /** golden.json entries named prompt* that are objects with a text. */
    private static List<Map.Entry<String, JsonNode>> prompts(JsonNode golden) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = golden.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("prompt") && e.getValue().isObject() && e.getValue().has("text")) out.add(e);
        }
        return out;
    }

    @Test
    void hfChatTemplatesReproduceEveryGoldenConversation() throws IOException {
        int folders = 0, matched = 0, total = 0;
        List<String> failures = new ArrayList<>();
        for (Path dir : modelDirs()) {
            Optional<JinjaChatTemplate> processorTemplate = JinjaChatTemplate.fromModelDir(dir);
            if (processorTemplate.isEmpty()) continue;
            folders++;
            List<JinjaChatTemplate> templates = new ArrayList<>();
            templates.add(processorTemplate.get());
            JinjaChatTemplate.fromTokenizerConfig(dir).ifPresent(templates::add);
            JsonNode golden = Fixtures.json(dir.resolve("golden/golden.json"));
            int m = 0, n = 0, skipped = 0;
            for (Map.Entry<String, JsonNode> e : prompts(golden)) {
                JsonNode conv = e.getValue().get("conversation");
                if (conv == null) {
                    skipped++;
                    continue;
                }
                String expected = e.getValue().get("text").asText();
                List<Message> messages = Message.listFromHf(conv);
                for (int t = 0; t < templates.size(); t++) {
                    n++;
                    String got = templates.get(t).render(messages, true);
                    if (got.equals(expected)) m++;
                    else failures.add(dir.getFileName() + "/" + e.getKey() + (t == 0 ? "" : " (tokenizer_config)")
                            + ": expected " + quote(expected) + " got " + quote(got));
                }
            }
            System.out.printf("[chat] %-32s %d/%d golden prompts match (%d template%s, %d prompt%s without conversation)%n",
                    dir.getFileName(), m, n, templates.size(), templates.size() == 1 ? "" : "s", skipped,
                    skipped == 1 ? "" : "s");
            matched += m;
            total += n;
        }
        System.out.printf("[chat] HF chat templates: %d/%d matched over %d fixture folders%n", matched, total, folders);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(folders >= 6, "expected at least 6 fixture folders with a chat template, found " + folders);
        assertTrue(total >= 10, "too few golden prompts: " + total);
    }

    @Test
    void llava15PortraitPromptWithoutConversation() {
        // golden prompt_portrait has only the text: rebuild the conversation from it.
        JinjaChatTemplate t = JinjaChatTemplate.fromModelDir(Fixtures.dir("llava-1.5-tiny")).orElseThrow();
        String expected = Fixtures.golden("llava-1.5-tiny").get("prompt_portrait").get("text").asText();
        assertEquals(expected, t.render(List.of(Message.user("<image>\nDescribe")), true));
    }

    @Test
    void originalLayoutPromptIsLlavaV1() {
        JsonNode p = Fixtures.golden("llava-1.5-tiny-original-layout").get("prompt");
        String expected = p.get("text").asText();
        List<Message> msgs = List.of(Message.user("What is shown in this image?<image>"));
        String got = ConversationTemplates.byName("llava_v1").render(msgs, true);
        System.out.printf("[chat] llava-1.5-tiny-original-layout (%s): llava_v1 %s%n", p.get("conv_template").asText(),
                got.equals(expected) ? "matches" : "DIFFERS");
        assertEquals(expected, got);
        // Labelled "vicuna_v1 (llava_v1)", but the text is llava_v1's ("curious human"); vicuna_v1 says "curious user".
        String vicuna = ConversationTemplates.byName("vicuna_v1").render(msgs, true);
        assertEquals(expected.replace("human", "user"), vicuna);
    }

    @Test
    void pllavaPromptsUseConvPlainV1() {
        JsonNode g = Fixtures.golden("pllava-tiny");
        ConversationTemplate t = ConversationTemplates.byName("conv_plain_v1");
        // PLLaVA's user_query(is_mm=True) puts "<image> " before the query (MM_INTERLEAF).
        JsonNode turns = g.get("prompt_video").get("turns");
        String q = turns.get(0).get(0).asText();
        assertTrue(turns.get(0).get(1).isNull());
        assertEquals(g.get("prompt_video").get("text").asText(), t.render(List.of(Message.user("<image> " + q)), true));
        assertEquals(g.get("prompt_text_only").get("text").asText(),
                t.render(List.of(Message.user("Say hello.")), true));
        System.out.println("[chat] pllava-tiny: conv_plain_v1 matches prompt_video and prompt_text_only");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
