package io.llava4j.train.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small LLaMA-style tokenizer for the demo vocabulary: a SentencePiece BPE {@code tokenizer.model} (byte fallback,
 * identity normaliser, dummy prefix, {@code <unk>} {@code <s>} {@code </s>} = 0, 1, 2, then the 256 byte pieces,
 * then the learned pieces by rank, then single characters) trained with {@link BpeTrainer} on the demo texts as the
 * tokenizer will see them, plus {@code <image>} and {@code <pad>} as added tokens right after the SentencePiece
 * vocabulary (as llava-hf checkpoints do). The tokenizer_config is transformers' LlamaTokenizer with
 * {@code legacy: true} (as vicuna-7b-v1.5 ships it), so core's pure-Java tokenizer and HF's both load it, and so the
 * seeds' v1 masking rule (which assumes "▁USER" and "USER" differ by one token, true in LLaMA's vocabulary but not
 * in this one under legacy=false) masks multi-turn samples right and training ids equal chat ids.
 */
public final class DemoTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPACE = "\u2581";
    private static final List<String> SPECIAL = List.of("<unk>", "<s>", "</s>");
    public static final String IMAGE = "<image>";
    public static final String PAD = "<pad>";
    private static final Pattern SPLIT = Pattern.compile("<image>|<pad>|<s>|</s>|<unk>");
    /** Pre-split units: a word with its optional leading "▁", or one other character. */
    private static final Pattern UNIT = Pattern.compile(SPACE + "?[A-Za-z]+|" + SPACE + "?[^A-Za-z" + SPACE + "]|" + SPACE);

    /** The trained pieces and where the added tokens go. */
    public record Built(List<String> pieces, List<Float> scores, List<Integer> types, int imageId, int padId) {
        public int vocabSize() { return pieces.size() + 2; }
    }

    private DemoTokenizer() {}

    /** The corpus the tokenizer is trained on: stage-1 and stage-2 texts of {@code scenes} scenes, rendered as in training. */
    public static List<String> corpus(long seed, int scenes) {
        List<String> out = new ArrayList<>(DemoText.allTemplates());
        for (int i = 0; i < scenes; i++) {
            Scene s = DemoDataset.trainScene(seed, i, 64);
            SplittableRandom rnd = new SplittableRandom(s.seed());
            String caption = DemoText.caption(s, rnd);
            out.add("<image>" + caption + "\n");                      // LLaVA's plain template (stage 1)
            List<String[]> turns = new ArrayList<>();
            List<QuestionAnswer> qas = DemoText.questions(s, rnd);
            for (int t = 0; t < qas.size(); t++) {
                turns.add(new String[]{(t == 0 ? "<image>\n" : "") + qas.get(t).question(), qas.get(t).answer()});
            }
            out.add(DemoChatFormat.render(turns));
        }
        return out;
    }

    /** The plain sentences of {@code scenes} scenes (captions, questions, answers) and the system prompt, without markers. */
    public static List<String> sentences(long seed, int scenes) {
        List<String> out = new ArrayList<>(DemoText.allTemplates());
        out.add(DemoChatFormat.SYSTEM);
        for (int i = 0; i < scenes; i++) {
            Scene s = DemoDataset.trainScene(seed, i, 64);
            SplittableRandom rnd = new SplittableRandom(s.seed());
            out.add(DemoText.caption(s, rnd));
            for (QuestionAnswer qa : DemoText.questions(s, rnd)) {
                out.add(qa.question());
                out.add(qa.answer());
            }
        }
        return out;
    }

    /** Trains the pieces on {@code texts}, learning at most {@code maxMerges} merged pieces. */
    public static Built train(List<String> texts, int maxMerges) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String t : texts) for (String u : units(t)) counts.merge(u, 1, Integer::sum);
        BpeTrainer.Vocabulary v = BpeTrainer.train(counts, maxMerges);
        List<String> pieces = new ArrayList<>(SPECIAL);
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3)); // UNKNOWN, CONTROL, CONTROL
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format("<0x%02X>", b));
            scores.add(0f);
            types.add(6); // BYTE
        }
        Set<String> normal = new LinkedHashSet<>(v.merges());
        normal.addAll(v.characters());
        int rank = 0;
        for (String p : normal) {
            pieces.add(p);
            scores.add((float) -rank++);
            types.add(1); // NORMAL
        }
        return new Built(List.copyOf(pieces), List.copyOf(scores), List.copyOf(types), pieces.size(), pieces.size() + 1);
    }

    /**
     * The units SentencePiece will see for {@code text} under transformers' LlamaTokenizer with {@code legacy=false}:
     * special tokens split off, "▁" in front of the whole text and of chunks that start with a space, spaces as "▁".
     */
    static List<String> units(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        int from = 0;
        boolean first = true;
        while (true) {
            boolean found = m.find();
            String chunk = text.substring(from, found ? m.start() : text.length());
            if (first) chunk = " " + chunk;
            first = false;
            Matcher u = UNIT.matcher(chunk.replace(" ", SPACE));
            while (u.find()) out.add(u.group());
            if (!found) break;
            from = m.end();
        }
        return out;
    }

    /** Writes tokenizer.model, tokenizer_config.json, special_tokens_map.json and added_tokens.json into {@code dir}. */
    public static void write(Path dir, Built t) throws IOException {
        Files.createDirectories(dir);
        ProtoWriter model = new ProtoWriter();
        for (int i = 0; i < t.pieces().size(); i++) {
            model.message(1, new ProtoWriter().string(1, t.pieces().get(i)).float32(2, t.scores().get(i)).int32(3, t.types().get(i)));
        }
        model.message(2, new ProtoWriter()
                .int32(3, 2)                       // model_type BPE
                .int32(4, t.pieces().size())       // vocab_size
                .bool(35, true)                    // byte_fallback
                .int32(40, 0).int32(41, 1).int32(42, 2).int32(43, -1)); // unk, bos, eos, pad ids
        model.message(3, new ProtoWriter().string(1, "identity").bool(3, true).bool(4, false).bool(5, true));
        Files.write(dir.resolve("tokenizer.model"), model.toByteArray());

        ObjectNode added = JSON.createObjectNode().put(IMAGE, t.imageId()).put(PAD, t.padId());
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("added_tokens.json").toFile(), added);

        ObjectNode special = JSON.createObjectNode();
        special.putArray("additional_special_tokens").add(IMAGE);
        special.set("bos_token", token("<s>"));
        special.set("eos_token", token("</s>"));
        special.set("pad_token", token(PAD));
        special.set("unk_token", token("<unk>"));
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("special_tokens_map.json").toFile(), special);

        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("add_bos_token", true).put("add_eos_token", false).put("add_prefix_space", true);
        ObjectNode dec = cfg.putObject("added_tokens_decoder");
        dec.set("0", token("<unk>").put("special", true));
        dec.set("1", token("<s>").put("special", true));
        dec.set("2", token("</s>").put("special", true));
        dec.set(String.valueOf(t.imageId()), token(IMAGE).put("special", true));
        dec.set(String.valueOf(t.padId()), token(PAD).put("special", true));
        cfg.putArray("additional_special_tokens").add(IMAGE);
        cfg.put("bos_token", "<s>").put("clean_up_tokenization_spaces", false).put("eos_token", "</s>")
                .put("legacy", true).put("model_max_length", 512).put("pad_token", PAD).put("padding_side", "right")
                .put("processor_class", "LlavaProcessor").put("spaces_between_special_tokens", false)
                .put("tokenizer_class", "LlamaTokenizer").put("unk_token", "<unk>").put("use_default_system_prompt", false);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
    }

    private static ObjectNode token(String content) {
        return JSON.createObjectNode().put("content", content).put("lstrip", false).put("normalized", false)
                .put("rstrip", false).put("single_word", false);
    }
}
