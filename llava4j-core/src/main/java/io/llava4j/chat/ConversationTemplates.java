package io.llava4j.chat;

import io.llava4j.chat.ConversationTemplate.ImageRule;
import io.llava4j.chat.ConversationTemplate.Style;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The named conversation templates of the original repos, by their upstream names.
 *
 * <ul>
 *   <li>haotian-liu/LLaVA {@code conv_templates}: {@code default}, {@code v0}, {@code v1}, {@code vicuna_v1},
 *       {@code llama_2}, {@code mistral_instruct}, {@code chatml_direct}, {@code mistral_direct}, {@code plain},
 *       {@code v0_plain}, {@code llava_v0}, {@code v0_mmtag}, {@code llava_v1}, {@code v1_mmtag},
 *       {@code llava_llama_2}, {@code mpt}.</li>
 *   <li>LLaVA-NeXT (OneVision, original code): {@code qwen_1_5}, {@code qwen_2} (CHATML style).</li>
 *   <li>PLLaVA ({@code tasks/eval/eval_utils.py}): {@code conv_plain_v1} (upstream key {@code plain}, renamed to
 *       avoid LLaVA's), {@code pllava_eval_vcgbench}, {@code pllava_eval_mvbench}.</li>
 *   <li>Chat-UniVi ({@code ChatUniVi/conversation.py}): {@code chatunivi_simple} (its {@code default}/{@code simple}),
 *       {@code chatunivi_simpleqa}, {@code chatunivi_v1} (same text as {@code vicuna_v1}).</li>
 * </ul>
 *
 * Note that {@code vicuna_v1} says "curious user", {@code llava_v1} "curious human" (the LLaVA-1.5 eval template).
 */
public final class ConversationTemplates {
    private ConversationTemplates() {}

    private static final String SYS_HUMAN = "A chat between a curious human and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the human's questions.";
    private static final String SYS_USER = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";
    private static final String SYS_MMTAG = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant is able to understand the visual content that the user provides, and assist the user "
            + "with a variety of tasks using natural language."
            + "The visual content will be provided with the following format: <Image>visual content</Image>.";
    private static final String SYS_LLAMA_2 = "You are a helpful, respectful and honest assistant. Always answer as "
            + "helpfully as possible, while being safe.  Your answers should not include any harmful, unethical, "
            + "racist, sexist, toxic, dangerous, or illegal content. Please ensure that your responses are socially "
            + "unbiased and positive in nature.\n\nIf a question does not make any sense, or is not factually "
            + "coherent, explain why instead of answering something not correct. If you don't know the answer to a "
            + "question, please don't share false information.";
    private static final String SYS_LLAVA_LLAMA_2 = "You are a helpful language and vision assistant. "
            + "You are able to understand the visual content that the user provides, "
            + "and assist the user with a variety of tasks using natural language.";
    private static final String SYS_VIDEO_CHATGPT = "You are Video-ChatGPT, a large vision-language assistant. "
            + "You are able to understand the video content that the user provides, and assist the user with a "
            + "variety of tasks using natural language."
            + "Follow the instructions carefully and explain your answers in detail based on the provided video.";
    private static final String SYS_MVBENCH = "Carefully watch the video and pay attention to the cause and sequence "
            + "of events, the detail and movement of objects, and the action and pose of persons. Based on your "
            + "observations, select the best option that accurately addresses the question.\n";

    private static final List<Message> VICUNA_V0_FEW_SHOT = List.of(
            Message.user("What are the key differences between renewable and non-renewable energy sources?"),
            Message.assistant("Renewable energy sources are those that can be replenished naturally in a relatively "
                    + "short amount of time, such as solar, wind, hydro, geothermal, and biomass. Non-renewable energy "
                    + "sources, on the other hand, are finite and will eventually be depleted, such as coal, oil, and "
                    + "natural gas. Here are some key differences between renewable and non-renewable energy sources:\n"
                    + "1. Availability: Renewable energy sources are virtually inexhaustible, while non-renewable "
                    + "energy sources are finite and will eventually run out.\n"
                    + "2. Environmental impact: Renewable energy sources have a much lower environmental impact than "
                    + "non-renewable sources, which can lead to air and water pollution, greenhouse gas emissions, and "
                    + "other negative effects.\n"
                    + "3. Cost: Renewable energy sources can be more expensive to initially set up, but they typically "
                    + "have lower operational costs than non-renewable sources.\n"
                    + "4. Reliability: Renewable energy sources are often more reliable and can be used in more remote "
                    + "locations than non-renewable sources.\n"
                    + "5. Flexibility: Renewable energy sources are often more flexible and can be adapted to different "
                    + "situations and needs, while non-renewable sources are more rigid and inflexible.\n"
                    + "6. Sustainability: Renewable energy sources are more sustainable over the long term, while "
                    + "non-renewable sources are not, and their depletion can lead to economic and social "
                    + "instability.\n"));

    private static final Map<String, ConversationTemplate> BY_NAME = new LinkedHashMap<>();

    private static void add(ConversationTemplate t, String... aliases) {
        BY_NAME.put(t.name(), t);
        for (String a : aliases) BY_NAME.put(a, t);
    }

    private static ConversationTemplate llava(String name, String system, String user, String assistant, Style style,
                                              String sep, String sep2, String version, List<Message> preset) {
        return new ConversationTemplate(name, system, user, assistant, style, sep, sep2, version, preset,
                ImageRule.LLAVA);
    }

    static {
        // haotian-liu/LLaVA llava/conversation.py
        ConversationTemplate vicunaV0 = llava("vicuna_v0", SYS_HUMAN, "Human", "Assistant", Style.SINGLE, "###", null,
                "Unknown", VICUNA_V0_FEW_SHOT);
        add(vicunaV0, "default", "v0");
        add(llava("vicuna_v1", SYS_USER, "USER", "ASSISTANT", Style.TWO, " ", "</s>", "v1", List.of()), "v1");
        add(llava("llama_2", SYS_LLAMA_2, "USER", "ASSISTANT", Style.LLAMA_2, "<s>", "</s>", "llama_v2", List.of()));
        add(llava("mistral_instruct", "", "USER", "ASSISTANT", Style.LLAMA_2, "", "</s>", "llama_v2", List.of()));
        add(llava("chatml_direct", "<|im_start|>system\nAnswer the questions.", "<|im_start|>user\n",
                "<|im_start|>assistant\n", Style.MPT, "<|im_end|>", null, "mpt", List.of()), "mistral_direct");
        add(llava("plain", "", "", "", Style.PLAIN, "\n", null, "Unknown", List.of()), "v0_plain");
        add(llava("llava_v0", SYS_HUMAN, "Human", "Assistant", Style.SINGLE, "###", null, "Unknown", List.of()));
        add(llava("v0_mmtag", SYS_MMTAG, "Human", "Assistant", Style.SINGLE, "###", null, "v0_mmtag", List.of()));
        add(llava("llava_v1", SYS_HUMAN, "USER", "ASSISTANT", Style.TWO, " ", "</s>", "v1", List.of()));
        add(llava("v1_mmtag", SYS_MMTAG, "USER", "ASSISTANT", Style.TWO, " ", "</s>", "v1_mmtag", List.of()));
        add(llava("llava_llama_2", SYS_LLAVA_LLAMA_2, "USER", "ASSISTANT", Style.LLAMA_2, "<s>", "</s>", "llama_v2",
                List.of()));
        add(llava("mpt", "<|im_start|>system\nA conversation between a user and an LLM-based AI assistant. "
                        + "The assistant gives helpful and honest answers.", "<|im_start|>user\n",
                "<|im_start|>assistant\n", Style.MPT, "<|im_end|>", null, "mpt", List.of()));

        // LLaVA-VL/LLaVA-NeXT llava/conversation.py (conv_qwen)
        add(new ConversationTemplate("qwen_1_5", "<|im_start|>system\nYou are a helpful assistant.",
                "<|im_start|>user", "<|im_start|>assistant", Style.CHATML, "<|im_end|>", null, "qwen", List.of(),
                ImageRule.LLAVA_NEXT), "qwen_2");

        // magic-research/PLLaVA tasks/eval/eval_utils.py
        add(new ConversationTemplate("conv_plain_v1", "", "USER:", "ASSISTANT:", Style.PLLAVA, " ", "</s>", null,
                List.of(), ImageRule.NONE));
        add(new ConversationTemplate("pllava_eval_vcgbench", SYS_VIDEO_CHATGPT, "USER: ", "ASSISTANT:", Style.PLLAVA,
                " ", "</s>", null, List.of(), ImageRule.NONE));
        add(new ConversationTemplate("pllava_eval_mvbench", SYS_MVBENCH, "USER: ", "ASSISTANT:", Style.PLLAVA,
                " ", "</s>", null, List.of(), ImageRule.NONE));

        // PKU-YuanGroup/Chat-UniVi ChatUniVi/conversation.py
        add(llava("chatunivi_simple", SYS_HUMAN, "Human", "Assistant", Style.SINGLE, "###", null, "Unknown",
                List.of(Message.user("Hi!"), Message.assistant("Hi there! How can I help you today?"))));
        add(llava("chatunivi_simpleqa", SYS_HUMAN + "  If you don't know the answer to a question, please don't "
                        + "share false information.", "Human", "Assistant", Style.SINGLE, "###", null, "Unknown",
                List.of(Message.user("Is there a snowboard in the image?"),
                        Message.assistant("Yes, there is a snowboard in the image, and the person is riding it down "
                                + "a snow-covered slope."))));
        add(llava("chatunivi_v1", SYS_USER, "USER", "ASSISTANT", Style.TWO, " ", "</s>", "v1", List.of()));
    }

    /** The template registered under {@code name}; unknown names throw, listing the known ones. */
    public static ConversationTemplate byName(String name) {
        ConversationTemplate t = BY_NAME.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown conversation template '" + name + "'; known: "
                    + String.join(", ", BY_NAME.keySet()));
        }
        return t;
    }

    /** All registered names (aliases included), in registration order. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(BY_NAME.keySet());
    }

    /**
     * The template LLaVA's {@code eval/run_llava.py} infers from a model name or path: {@code llama-2} →
     * {@code llava_llama_2}, {@code mistral} → {@code mistral_instruct}, {@code v1.6-34b} → {@code chatml_direct},
     * {@code v1} → {@code llava_v1}, {@code mpt} → {@code mpt}, else {@code llava_v0}.
     */
    public static ConversationTemplate inferFromModelName(String modelName) {
        String n = modelName.toLowerCase(Locale.ROOT);
        if (n.contains("llama-2")) return byName("llava_llama_2");
        if (n.contains("mistral")) return byName("mistral_instruct");
        if (n.contains("v1.6-34b")) return byName("chatml_direct");
        if (n.contains("v1")) return byName("llava_v1");
        if (n.contains("mpt")) return byName("mpt");
        return byName("llava_v0");
    }
}
