package io.llava4j.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A conversation: an optional system prompt and the turns so far. Immutable; the {@code with*} methods return a
 * new conversation. Media go into the text as {@code <image>} / {@code <video>} placeholders.
 *
 * <pre>{@code
 * String prompt = Conversation.of()
 *         .withUser("<image>\nWhat is shown in this image?")
 *         .render(ConversationTemplates.byName("llava_v1"), true);
 * }</pre>
 *
 * @param system the system prompt, or {@code null} for the template's default
 * @param turns  user/assistant messages (no system messages)
 */
public record Conversation(String system, List<Message> turns) {

    public Conversation {
        turns = List.copyOf(turns);
        for (Message m : turns) {
            if (Message.SYSTEM.equals(m.role())) {
                throw new IllegalArgumentException("system prompt goes in Conversation.system, not in the turns");
            }
        }
    }

    public static Conversation of() {
        return new Conversation(null, List.of());
    }

    public Conversation withSystem(String system) {
        return new Conversation(system, turns);
    }

    public Conversation with(Message m) {
        List<Message> t = new ArrayList<>(turns);
        t.add(m);
        return new Conversation(system, t);
    }

    public Conversation withUser(String text) {
        return with(Message.user(text));
    }

    public Conversation withAssistant(String text) {
        return with(Message.assistant(text));
    }

    /** The messages as a template sees them: a system message first if {@link #system} is set, then the turns. */
    public List<Message> messages() {
        List<Message> out = new ArrayList<>(turns.size() + 1);
        if (system != null) out.add(Message.system(system));
        out.addAll(turns);
        return out;
    }

    public String render(ChatTemplate template, boolean addGenerationPrompt) {
        return template.render(messages(), addGenerationPrompt);
    }
}
