package io.llava4j.train.data;

import io.llava4j.chat.ConversationTemplate;
import io.llava4j.chat.ConversationTemplates;
import io.llava4j.tokenizer.ImagePlaceholders;
import io.llava4j.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * LLaVA's training-time text pipeline ({@code llava/train/train.py}): {@code preprocess_multimodal} (the image
 * placeholder moved to the front of its message, followed by a newline), the prompt of the conversation template, the
 * tokenization ({@code tokenizer_image_token} with the -200 sentinel for samples with media, the plain tokenizer for
 * text-only ones), and the label masking of {@code preprocess_v1} / {@code preprocess_plain}:
 * <ul>
 *   <li>{@code plain} (stage-1 pretraining): the text is {@code <image>} + answer + sep ("\n"); only the placeholder
 *       chunk ({@code BOS, -200}) is masked. Exactly two turns with the placeholder in the first, as upstream asserts.</li>
 *   <li>TWO-style templates with a version starting with "v1" ({@code v1}/{@code vicuna_v1}, {@code llava_v1}):
 *       labels start as the ids, BOS masked; the prompt is split into rounds at sep2 ({@code </s>}) and each round at
 *       {@code " ASSISTANT: "}; the instruction ({@code len(tok(instruction)) - 2} tokens) is masked and the cursor
 *       advances by {@code len(tok(round))}; for rounds after the first both lengths shrink by one when the tokenizer is
 *       not legacy (the {@code IS_TOKENIZER_GREATER_THAN_0_14} rule). Net: answers and their closing {@code </s>} are
 *       trained. When the cursor is below model_max_length and differs from the number of non-pad ids the whole
 *       sample is masked and the mismatch is returned in {@link Encoded#mismatch()} (upstream prints a warning).</li>
 * </ul>
 * The ids and labels are then cut at {@code model_max_length} (upstream's collator does this).
 */
public final class ConversationPreprocessor {
    public static final int IGNORE_INDEX = -100;
    public static final int IMAGE_TOKEN_INDEX = ImagePlaceholders.LLAVA_IMAGE_TOKEN_INDEX;
    public static final String IMAGE_TOKEN = "<image>";

    private final TextTokenizer tok;
    private final ConversationTemplate template;
    private final boolean legacy;
    private final int modelMaxLength;
    private final int padId;

    /**
     * @param version        template name as upstream's {@code --version}: {@code plain}, {@code v1} (= vicuna_v1),
     *                       {@code vicuna_v1}, {@code llava_v1}
     * @param legacy         the tokenizer's {@code legacy} flag (see {@link TokenizerFlags#legacy})
     * @param modelMaxLength {@code --model_max_length}
     */
    public ConversationPreprocessor(TextTokenizer tok, String version, boolean legacy, int modelMaxLength) {
        this.tok = tok;
        this.template = ConversationTemplates.byName(version);
        boolean plain = template.style() == ConversationTemplate.Style.PLAIN;
        boolean v1 = template.style() == ConversationTemplate.Style.TWO && template.version().startsWith("v1");
        if (!plain && !v1) throw new IllegalArgumentException("training template '" + version + "' is not supported (plain, v1, vicuna_v1, llava_v1)");
        this.legacy = legacy;
        if (modelMaxLength < 2) throw new IllegalArgumentException("model_max_length must be at least 2, got " + modelMaxLength);
        this.modelMaxLength = modelMaxLength;
        // train.py: pad_token = unk_token for LLaMA tokenizers (v1); total_len counts ids != pad_token_id.
        this.padId = tok.padId().isPresent() ? tok.padId().getAsInt() : tok.unkId().orElse(0);
    }

    public ConversationTemplate template() { return template; }

    public boolean isPlain() { return template.style() == ConversationTemplate.Style.PLAIN; }

    public int modelMaxLength() { return modelMaxLength; }

    /** The id padding and {@code total_len} use (the unk token for LLaMA, as train.py sets it). */
    public int padId() { return padId; }

    /**
     * {@code preprocess_multimodal}: in every message that contains {@code <image>}, the placeholder is removed, the
     * text stripped, and {@code "<image>\n"} put in front (then stripped again).
     */
    public static List<Turn> preprocessMultimodal(List<Turn> conv) {
        List<Turn> out = new ArrayList<>(conv.size());
        for (Turn t : conv) {
            String v = t.value();
            if (v.contains(IMAGE_TOKEN)) {
                v = pyStrip(v.replace(IMAGE_TOKEN, ""));
                v = pyStrip(IMAGE_TOKEN + "\n" + v);
            }
            out.add(t.withValue(v));
        }
        return out;
    }

    /** Tokenizes and masks one sample. */
    public Encoded encode(LlavaSample s) {
        if (s.hasVideo()) throw new IllegalArgumentException("sample " + s.id() + ": video samples are not supported by the LLaVA-1.5 image pipeline");
        boolean hasImage = s.hasImage();
        List<Turn> conv = hasImage ? preprocessMultimodal(s.conversations()) : s.conversations();
        return isPlain() ? encodePlain(s, conv) : encodeV1(s, conv, hasImage);
    }

    /** The prompt text the v1 template builds (upstream {@code conv.get_prompt()}). */
    public String prompt(LlavaSample s) {
        List<Turn> conv = s.hasImage() ? preprocessMultimodal(s.conversations()) : s.conversations();
        if (isPlain()) return IMAGE_TOKEN + conv.get(1).value() + template.sep();
        return twoStylePrompt(s, conv);
    }

    private Encoded encodePlain(LlavaSample s, List<Turn> conv) {
        if (conv.size() != 2 || !conv.get(0).value().contains(IMAGE_TOKEN)) {
            throw new IllegalArgumentException("sample " + s.id() + ": the plain template needs exactly two turns with " + IMAGE_TOKEN
                    + " in the first (upstream asserts this)");
        }
        String text = IMAGE_TOKEN + conv.get(1).value() + template.sep();
        int[] ids = ImagePlaceholders.tokenizerImageToken(tok, text, IMAGE_TOKEN, IMAGE_TOKEN_INDEX);
        int[] labels = ids.clone();
        int masked = Math.min(labels.length, ImagePlaceholders.tokenizerImageToken(tok, IMAGE_TOKEN, IMAGE_TOKEN, IMAGE_TOKEN_INDEX).length);
        Arrays.fill(labels, 0, masked, IGNORE_INDEX);
        return truncate(s, ids, labels, null);
    }

    private String twoStylePrompt(LlavaSample s, List<Turn> conv) {
        String user = template.userRole(), assistant = template.assistantRole();
        int start = 0;
        if (!conv.isEmpty() && !"human".equals(conv.get(0).from())) start = 1; // "Skip the first one if it is not from human"
        StringBuilder p = new StringBuilder(template.system()).append(template.sep());
        for (int j = start; j < conv.size(); j++) {
            Turn t = conv.get(j);
            String role = switch (t.from()) {
                case "human" -> user;
                case "gpt" -> assistant;
                default -> throw new IllegalArgumentException("sample " + s.id() + ": turn " + j + " is from '" + t.from() + "' (human or gpt expected)");
            };
            String expected = (j - start) % 2 == 0 ? user : assistant;
            if (!role.equals(expected)) throw new IllegalArgumentException("sample " + s.id() + ": turns must alternate human/gpt (turn " + j + " is from " + t.from() + ")");
            if (t.value().isEmpty()) p.append(role).append(':');
            else p.append(role).append(": ").append(t.value()).append((j - start) % 2 == 0 ? template.sep() : template.sep2());
        }
        return p.toString();
    }

    private int[] tokenize(String text, boolean hasImage) {
        return hasImage ? ImagePlaceholders.tokenizerImageToken(tok, text, IMAGE_TOKEN, IMAGE_TOKEN_INDEX) : tok.encode(text, true);
    }

    private Encoded encodeV1(LlavaSample s, List<Turn> conv, boolean hasImage) {
        String prompt = twoStylePrompt(s, conv);
        int[] ids = tokenize(prompt, hasImage);
        int[] target = ids.clone();
        int totalLen = 0;
        for (int id : ids) if (id != padId) totalLen++;
        String sep = template.sep() + template.assistantRole() + ": ";
        List<String> rounds = pySplit(prompt, template.sep2());
        int cur = 1;
        fill(target, 0, cur);
        for (int i = 0; i < rounds.size(); i++) {
            String rou = rounds.get(i);
            if (rou.isEmpty()) break;
            List<String> parts = pySplit(rou, sep);
            if (parts.size() != 2) break;
            String instruction = parts.get(0) + sep;
            int roundLen = tokenize(rou, hasImage).length;
            int instructionLen = tokenize(instruction, hasImage).length - 2;
            if (i != 0 && !legacy) { // IS_TOKENIZER_GREATER_THAN_0_14 (LLaVA pins tokenizers 0.15.1)
                roundLen -= 1;
                instructionLen -= 1;
            }
            fill(target, cur, cur + instructionLen);
            cur += roundLen;
        }
        fill(target, cur, target.length);
        Encoded.Mismatch mismatch = null;
        if (cur < modelMaxLength && cur != totalLen) {
            Arrays.fill(target, IGNORE_INDEX);
            mismatch = new Encoded.Mismatch(cur, totalLen);
        }
        return truncate(s, ids, target, mismatch);
    }

    /** {@code target[from:to] = IGNORE_INDEX} with Python slice clamping. */
    private static void fill(int[] a, int from, int to) {
        int f = Math.max(0, Math.min(from, a.length)), t = Math.max(f, Math.min(to, a.length));
        Arrays.fill(a, f, t, IGNORE_INDEX);
    }

    private Encoded truncate(LlavaSample s, int[] ids, int[] labels, Encoded.Mismatch mismatch) {
        boolean cut = ids.length > modelMaxLength;
        if (cut) {
            ids = Arrays.copyOf(ids, modelMaxLength);
            labels = Arrays.copyOf(labels, modelMaxLength);
        }
        return new Encoded(s, ids, labels, mismatch, cut);
    }

    /** Python {@code str.split(sep)} (keeps empty pieces). */
    static List<String> pySplit(String s, String sep) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, from)) {
            out.add(s.substring(from, i));
            from = i + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** Python {@code str.strip()} (Unicode whitespace). */
    static String pyStrip(String s) {
        int a = 0, b = s.length();
        while (a < b && isPySpace(s.charAt(a))) a++;
        while (b > a && isPySpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    private static boolean isPySpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || (c >= 0x1c && c <= 0x1f);
    }
}
