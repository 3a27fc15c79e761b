package io.llava4j.chat;

import java.util.List;

/**
 * Turns a list of chat messages into the prompt string the model was trained on.
 *
 * <p>Two kinds: {@link ConversationTemplate} (the original repos' hard-coded {@code conv_templates}) and
 * {@link JinjaChatTemplate} (a Hugging Face {@code chat_template}).
 */
public interface ChatTemplate {

    /**
     * @param messages            the conversation; an optional leading {@code system} message, then user/assistant turns
     * @param addGenerationPrompt append the opening of an assistant turn (e.g. {@code "ASSISTANT:"}) for generation
     */
    String render(List<Message> messages, boolean addGenerationPrompt);

    /** Strings that end an assistant turn in generated text (may be empty). */
    List<String> stopStrings();

    default String render(Conversation conversation, boolean addGenerationPrompt) {
        return render(conversation.messages(), addGenerationPrompt);
    }
}
