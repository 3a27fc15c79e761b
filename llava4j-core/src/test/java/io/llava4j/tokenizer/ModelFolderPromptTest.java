package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokenizers loaded from the model fixture folders reproduce the prompt ids in their goldens: HF processor
 * prompts (image/video placeholder repeated as the processor does, then one encode) and original-LLaVA
 * prompts ({@code tokenizer_image_token} with -200).
 */
class ModelFolderPromptTest {

    @Test
    void llava15TinyLoadsWithAddedTokens() {
        TextTokenizer tok = Tokenizers.load(Fixtures.dir("llava-1.5-tiny"));
        assertEquals(OptionalInt.of(32000), tok.tokenId("<image>"));
        assertEquals(OptionalInt.of(32001), tok.tokenId("<pad>"));
        assertEquals(OptionalInt.of(32001), tok.padId());
        assertEquals(OptionalInt.of(1), tok.bosId());
        assertEquals(OptionalInt.of(2), tok.eosId());
        assertEquals(32002, tok.vocabSize());
        assertTrue(tok.isSpecial(32000));
    }

    @Test
    void llava15TinyPromptWithSingleImageTokenMatchesCollapsedGolden() {
        TextTokenizer tok = Tokenizers.load(Fixtures.dir("llava-1.5-tiny"));
        JsonNode prompt = Fixtures.golden("llava-1.5-tiny").get("prompt");
        String text = "USER: <image>\nWhat is shown in this image? ASSISTANT:";
        assertEquals(text, prompt.get("text").asText());
        int[] golden = prompt.get("input_ids").valueStream().mapToInt(JsonNode::asInt).toArray();
        assertArrayEquals(collapseRuns(golden, 32000), tok.encode(text, true));
    }

    /** Every HF-processor prompt of every model golden: expand the placeholder, encode once, compare. */
    @Test
    void processorPromptsOfAllModelFolders() {
        String[] folders = {"llava-1.5-tiny", "llava-next-mistral-tiny", "llava-next-vicuna-tiny", "video-llava-tiny",
                "llava-next-video-tiny", "llava-onevision-qwen2-tiny", "pllava-tiny"};
        int checked = 0;
        for (String folder : folders) {
            TextTokenizer tok = Tokenizers.load(Fixtures.dir(folder));
            JsonNode golden = Fixtures.golden(folder);
            for (var it = golden.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode p = e.getValue();
                if (!e.getKey().startsWith("prompt") || !p.has("text") || !p.has("input_ids")) continue;
                int[] expected = p.get("input_ids").valueStream().mapToInt(JsonNode::asInt).toArray();
                String text = p.get("text").asText();
                for (String placeholder : List.of("<image>", "<video>")) {
                    OptionalInt id = tok.tokenId(placeholder);
                    if (id.isEmpty() || !text.contains(placeholder)) continue;
                    int n = (int) Arrays.stream(expected).filter(x -> x == id.getAsInt()).count();
                    String countField = placeholder.equals("<image>") ? "num_image_tokens" : "num_video_tokens";
                    if (p.has(countField)) assertEquals(p.get(countField).asInt(), n, folder + "/" + e.getKey() + " " + countField);
                    text = text.replace(placeholder, placeholder.repeat(n));
                }
                assertArrayEquals(expected, tok.encode(text, true), folder + "/" + e.getKey());
                checked++;
            }
        }
        System.out.println("processor prompts matching golden input_ids: " + checked);
        assertEquals(15, checked);
    }

    @Test
    void onevisionLoadsQwen2WithSpecials() {
        TextTokenizer tok = Tokenizers.load(Fixtures.dir("llava-onevision-qwen2-tiny"));
        assertTrue(tok instanceof Qwen2Tokenizer);
        assertEquals(OptionalInt.of(151646), tok.tokenId("<image>"));
        assertEquals(OptionalInt.of(151647), tok.tokenId("<video>"));
        assertEquals(OptionalInt.of(151645), tok.eosId());
        assertEquals(OptionalInt.empty(), tok.bosId());
        assertEquals(151648, tok.vocabSize());
    }

    /** Original-layout LLaVA, InternVL-on-LLaVA and training goldens use tokenizer_image_token with -200. */
    @Test
    void originalLlavaChunkedPrompts() {
        int checked = 0;
        JsonNode orig = Fixtures.golden("llava-1.5-tiny-original-layout").get("prompt");
        checked += checkChunked("llava-1.5-tiny-original-layout", orig.get("text").asText(), orig.get("input_ids_with_-200"));
        JsonNode intern = Fixtures.golden("internvl-chat-tiny");
        for (String k : List.of("forward_main", "forward_portrait")) {
            checked += checkChunked("internvl-chat-tiny", intern.get(k).get("prompt_text").asText(), intern.get(k).get("input_ids_with_-200"));
        }
        JsonNode train = Fixtures.json(Fixtures.dir("llava-1.5-tiny-train").resolve("train_golden.json"));
        for (JsonNode s : train.get("samples")) {
            checked += checkChunked("llava-1.5-tiny-original-layout", s.get("prompt_text").asText(), s.get("input_ids"));
        }
        // Stage-1 "plain" format: "<image>" + answer + "\n".
        JsonNode samples = Fixtures.json(Fixtures.dir("llava-1.5-tiny-train").resolve("llava_train_samples.json"));
        String plain = "<image>" + samples.get(0).get("conversations").get(1).get("value").asText() + "\n";
        checked += checkChunked("llava-1.5-tiny-original-layout", plain, train.get("plain_pretrain_format_sample0").get("input_ids"));
        System.out.println("tokenizer_image_token prompts matching golden: " + checked);
        assertEquals(6, checked);
    }

    private static int checkChunked(String folder, String text, JsonNode expectedIds) {
        TextTokenizer tok = Tokenizers.load(Fixtures.dir(folder));
        int[] expected = expectedIds.valueStream().mapToInt(JsonNode::asInt).toArray();
        assertArrayEquals(expected, ImagePlaceholders.tokenizerImageToken(tok, text, ImagePlaceholders.LLAVA_IMAGE_TOKEN_INDEX), folder + ": " + text);
        return 1;
    }

    private static int[] collapseRuns(int[] ids, int value) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == value && i > 0 && ids[i - 1] == value) continue;
            out.add(ids[i]);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
