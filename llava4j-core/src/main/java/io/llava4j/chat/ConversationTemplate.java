package io.llava4j.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A port of the original repos' {@code Conversation.get_prompt()} (haotian-liu/LLaVA {@code llava/conversation.py},
 * LLaVA-NeXT's CHATML style, PLLaVA's {@code tasks/eval/eval_utils.py}, Chat-UniVi's {@code conversation.py}).
 * The named instances live in {@link ConversationTemplates}.
 *
 * <p>Rendering: the messages (an optional leading {@code system} message overrides the template's system prompt)
 * are appended to the template's preset messages (few-shot turns of {@code vicuna_v0} and Chat-UniVi {@code simple});
 * with {@code addGenerationPrompt} an open assistant turn ({@code None} upstream) is appended; the image rule is
 * applied to the first message; then the style's {@code get_prompt} runs, character for character. Roles
 * {@code user}/{@code human} map to {@code roles[0]}, {@code assistant}/{@code gpt} to {@code roles[1]}; as upstream,
 * the separator of TWO/PLAIN is picked by position (even/odd), not by role.
 *
 * <p>Image rule ({@link ImageRule#LLAVA}): if the first message contains {@code <image>}, the placeholders are removed,
 * the text is stripped and {@code "<image>\n"} is put in front (upstream does this when the first message carries an
 * image). Deliberate difference: upstream collapses several {@code <image>} into one; here the count is kept
 * ({@code "<image><image>\n..."}), which is the same for one image and keeps Video-LLaVA's 8-frame prompts intact.
 * For {@code *mmtag} versions the image becomes a separate {@code <Image><image></Image>} / {@code Received.} exchange.
 */
public final class ConversationTemplate implements ChatTemplate {

    /** The {@code SeparatorStyle}s of the original repos. */
    public enum Style {
        /** {@code system + sep}, then {@code role + ": " + msg + sep}; open turn {@code role + ":"}. */
        SINGLE,
        /** {@code system + sep}, then {@code role + ": " + msg + (sep | sep2 alternating)}; open turn {@code role + ":"}. */
        TWO,
        /** {@code system + sep}, then {@code role + msg + sep}; open turn {@code role}. */
        MPT,
        /** {@code system}, then {@code msg + (sep | sep2 alternating)}; open turn adds nothing. */
        PLAIN,
        /** {@code [INST] <<SYS>>\n{sys}\n<</SYS>>\n\n{q} [/INST] {a} </s><s>[INST] ...} (LLaVA's LLAMA_2). */
        LLAMA_2,
        /** LLaVA-NeXT CHATML: {@code system + sep + "\n"} (if any), then {@code role + "\n" + msg + sep + "\n"}. */
        CHATML,
        /**
         * PLLaVA's eval {@code Conversation}: {@code system + sep[user]} (if any), then {@code role + msg + sep[role]}
         * (sep = user, sep2 = assistant). A last assistant message gets no separator (an answer prefix the model
         * continues); with {@code addGenerationPrompt} a last user message is followed by the assistant role.
         */
        PLLAVA
    }

    /** How the first message's image placeholder is normalised. */
    public enum ImageRule {
        /** No change: the text is used as given. */
        NONE,
        /** haotian-liu/LLaVA: remove {@code <image>}, strip, prepend {@code "<image>\n"} (or the mmtag exchange). */
        LLAVA,
        /** LLaVA-NeXT: as {@link #LLAVA}, but a message that already starts with {@code <image>} is left alone. */
        LLAVA_NEXT
    }

    private final String name;
    private final String system;
    private final String userRole;
    private final String assistantRole;
    private final Style style;
    private final String sep;
    private final String sep2;
    private final String version;
    private final List<Message> preset;
    private final ImageRule imageRule;

    public ConversationTemplate(String name, String system, String userRole, String assistantRole, Style style,
                                String sep, String sep2, String version, List<Message> preset, ImageRule imageRule) {
        this.name = Objects.requireNonNull(name, "name");
        this.system = Objects.requireNonNull(system, "system");
        this.userRole = Objects.requireNonNull(userRole, "userRole");
        this.assistantRole = Objects.requireNonNull(assistantRole, "assistantRole");
        this.style = Objects.requireNonNull(style, "style");
        this.sep = Objects.requireNonNull(sep, "sep");
        this.sep2 = sep2;
        this.version = version == null ? "Unknown" : version;
        this.preset = List.copyOf(preset);
        this.imageRule = Objects.requireNonNull(imageRule, "imageRule");
    }

    public String name() {
        return name;
    }

    public String system() {
        return system;
    }

    public String userRole() {
        return userRole;
    }

    public String assistantRole() {
        return assistantRole;
    }

    public Style style() {
        return style;
    }

    public String sep() {
        return sep;
    }

    /** May be {@code null} (upstream {@code None}). */
    public String sep2() {
        return sep2;
    }

    public String version() {
        return version;
    }

    public List<Message> preset() {
        return preset;
    }

    public ImageRule imageRule() {
        return imageRule;
    }

    /** The same template with another default system prompt. */
    public ConversationTemplate withSystem(String newSystem) {
        return new ConversationTemplate(name, newSystem, userRole, assistantRole, style, sep, sep2, version, preset,
                imageRule);
    }

    /**
     * The stop string upstream passes to its keyword stopping criteria: {@code sep2} for TWO, {@code sep} otherwise
     * ({@code llava/serve/cli.py}). Two deviations, where upstream's value would be useless: LLAMA_2 uses
     * {@code sep2} ({@code "</s>"}; upstream's {@code sep} is {@code "<s>"} or empty) and PLLaVA uses the assistant's
     * separator {@code "</s>"}. Empty strings are dropped.
     */
    @Override
    public List<String> stopStrings() {
        String s = switch (style) {
            case TWO, LLAMA_2, PLLAVA -> sep2;
            default -> sep;
        };
        return s == null || s.isEmpty() ? List.of() : List.of(s);
    }

    private record Turn(String role, String text) {}

    @Override
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        String sys = system;
        List<Turn> turns = new ArrayList<>();
        for (Message m : preset) turns.add(new Turn(roleOf(m.role()), m.text()));
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (Message.SYSTEM.equals(m.role())) {
                if (i != 0) throw new IllegalArgumentException(name + ": a system message must come first");
                sys = m.text();
                continue;
            }
            turns.add(new Turn(roleOf(m.role()), m.text()));
        }
        if (addGenerationPrompt) turns.add(new Turn(assistantRole, null));
        applyImageRule(turns);
        return switch (style) {
            case SINGLE -> single(sys, turns);
            case TWO -> two(sys, turns);
            case MPT -> mpt(sys, turns);
            case PLAIN -> plain(sys, turns);
            case LLAMA_2 -> llama2(sys, turns);
            case CHATML -> chatml(sys, turns);
            case PLLAVA -> pllava(sys, turns);
        };
    }

    private String roleOf(String role) {
        return switch (role) {
            case Message.USER, "human" -> userRole;
            case Message.ASSISTANT, "gpt" -> assistantRole;
            default -> throw new IllegalArgumentException(
                    name + ": unknown role '" + role + "' (expected system, user or assistant)");
        };
    }

    private void applyImageRule(List<Turn> turns) {
        if (imageRule == ImageRule.NONE || turns.isEmpty()) return;
        Turn first = turns.get(0);
        String msg = first.text();
        if (msg == null || !msg.contains(Message.IMAGE_PLACEHOLDER)) return;
        if (imageRule == ImageRule.LLAVA_NEXT && msg.startsWith(Message.IMAGE_PLACEHOLDER)
                && !version.contains("mmtag")) {
            return;
        }
        int n = PyStr.count(msg, Message.IMAGE_PLACEHOLDER);
        String rest = PyStr.strip(msg.replace(Message.IMAGE_PLACEHOLDER, ""), null);
        String images = Message.IMAGE_PLACEHOLDER.repeat(n);
        if (version.contains("mmtag")) {
            turns.set(0, new Turn(first.role(), rest));
            turns.add(0, new Turn(userRole, "<Image>" + images + "</Image>"));
            turns.add(1, new Turn(assistantRole, "Received."));
        } else {
            turns.set(0, new Turn(first.role(), images + "\n" + rest));
        }
    }

    /** Python truthiness of the message ({@code if message:}). */
    private static boolean present(String m) {
        return m != null && !m.isEmpty();
    }

    private String single(String sys, List<Turn> turns) {
        StringBuilder ret = new StringBuilder(sys).append(sep);
        for (Turn t : turns) {
            if (present(t.text())) ret.append(t.role()).append(": ").append(t.text()).append(sep);
            else ret.append(t.role()).append(':');
        }
        return ret.toString();
    }

    private String two(String sys, List<Turn> turns) {
        String[] seps = {sep, sep2 == null ? "" : sep2};
        StringBuilder ret = new StringBuilder(sys).append(seps[0]);
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            if (present(t.text())) ret.append(t.role()).append(": ").append(t.text()).append(seps[i % 2]);
            else ret.append(t.role()).append(':');
        }
        return ret.toString();
    }

    private String mpt(String sys, List<Turn> turns) {
        StringBuilder ret = new StringBuilder(sys).append(sep);
        for (Turn t : turns) {
            if (present(t.text())) ret.append(t.role()).append(t.text()).append(sep);
            else ret.append(t.role());
        }
        return ret.toString();
    }

    /** Upstream's sep2 is {@code None} for {@code plain}: a filled second message would raise there; here it adds "". */
    private String plain(String sys, List<Turn> turns) {
        String[] seps = {sep, sep2 == null ? "" : sep2};
        StringBuilder ret = new StringBuilder(sys);
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            if (present(t.text())) ret.append(t.text()).append(seps[i % 2]);
        }
        return ret.toString();
    }

    private String llama2(String sys, List<Turn> turns) {
        StringBuilder ret = new StringBuilder();
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            String message = t.text();
            if (i == 0) {
                if (!present(message)) throw new IllegalArgumentException(name + ": first message should not be none");
                if (!t.role().equals(userRole)) {
                    throw new IllegalArgumentException(name + ": first message should come from user");
                }
            }
            if (!present(message)) continue;
            if (i == 0) message = (sys.isEmpty() ? sys : "<<SYS>>\n" + sys + "\n<</SYS>>\n\n") + message;
            if (i % 2 == 0) ret.append(sep).append("[INST] ").append(message).append(" [/INST]");
            else ret.append(' ').append(message).append(' ').append(sep2);
        }
        // Python str.lstrip(sep): strips any of sep's characters, not the prefix.
        return PyStr.lstrip(ret.toString(), sep);
    }

    private String chatml(String sys, List<Turn> turns) {
        StringBuilder ret = new StringBuilder(sys.isEmpty() ? "" : sys + sep + "\n");
        for (Turn t : turns) {
            if (present(t.text())) ret.append(t.role()).append('\n').append(t.text()).append(sep).append('\n');
            else ret.append(t.role()).append('\n');
        }
        return ret.toString();
    }

    private String pllava(String sys, List<Turn> turns) {
        StringBuilder ret = new StringBuilder(sys.isEmpty() ? "" : sys + sep);
        // An open assistant turn (addGenerationPrompt) stands for upstream's "last user message gets the assistant role".
        int n = turns.size();
        for (int i = 0; i < n; i++) {
            Turn t = turns.get(i);
            String roleSep = t.role().equals(userRole) ? sep : sep2;
            String msg = t.text() == null ? "" : t.text();
            if (i + 1 == n && t.role().equals(assistantRole)) ret.append(t.role()).append(msg);
            else ret.append(t.role()).append(msg).append(roleSep);
        }
        return ret.toString();
    }

    @Override
    public String toString() {
        return "ConversationTemplate[" + name + ", " + style + "]";
    }
}
