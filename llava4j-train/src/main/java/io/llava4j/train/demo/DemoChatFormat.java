package io.llava4j.train.demo;

import java.util.List;

/**
 * The demo model's conversation format: LLaVA's {@code vicuna_v1} ({@code --version v1}), written as a Hugging Face
 * chat template so that {@code chat} renders exactly what training saw:
 * {@code "<system> USER: <image>\nQ1 ASSISTANT: A1</s>USER: Q2 ASSISTANT:"}.
 */
public final class DemoChatFormat {
    private DemoChatFormat() {}

    public static final String SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    /**
     * Jinja source. Messages come in HF processor form ({@code content} a list of {@code {type: image}} and
     * {@code {type: text, text}} parts, or a plain string); each image becomes {@code "<image>\n"} before the text.
     */
    public static final String JINJA = "{% if messages[0]['role'] == 'system' %}"
            + "{% set sys = messages[0]['content'] if messages[0]['content'] is string else messages[0]['content'][0]['text'] %}"
            + "{% set loop_messages = messages[1:] %}"
            + "{% else %}{% set sys = '" + SYSTEM.replace("'", "\\'") + "' %}{% set loop_messages = messages %}{% endif %}"
            + "{{ sys + ' ' }}"
            + "{% for message in loop_messages %}"
            + "{% if message['role'] == 'user' %}{{ 'USER: ' }}{% else %}{{ 'ASSISTANT: ' }}{% endif %}"
            + "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
            + "{% for part in message['content'] %}{% if part['type'] == 'image' %}{{ '<image>\\n' }}{% endif %}{% endfor %}"
            + "{% for part in message['content'] %}{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}"
            + "{% endif %}"
            + "{% if message['role'] == 'user' %}{{ ' ' }}{% else %}{{ eos_token }}{% endif %}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

    /** The v1 rendering of question/answer turns (the first question carries "<image>\n"), for the tokenizer corpus. */
    static String render(List<String[]> turns) {
        StringBuilder sb = new StringBuilder(SYSTEM).append(' ');
        for (String[] t : turns) sb.append("USER: ").append(t[0]).append(" ASSISTANT: ").append(t[1]).append("</s>");
        return sb.toString();
    }
}
