package io.llava4j.api;

import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.model.LoadOptions;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The library entry point.
 * <pre>{@code
 * try (Llava4j llava = Llava4j.load(Path.of("llava-1.5-7b-hf"))) {
 *     String answer = llava.ask("What is in the picture?", List.of(Path.of("cat.jpg")),
 *             SamplingParams.defaults(), System.out::print);   // streams text as it is generated
 *     Chat chat = llava.newChat();                               // multi-turn
 *     chat.send("Describe it.", List.of(ImageDecoder.decode(Path.of("cat.jpg"))), SamplingParams.defaults(), null);
 * }
 * }</pre>
 * Any supported family is loaded from its folder; the chat template comes from the checkpoint.
 */
public final class Llava4j implements AutoCloseable {
    private final VisionLanguageModel model;

    private Llava4j(VisionLanguageModel model) { this.model = model; }

    public static Llava4j load(Path modelDir) { return load(modelDir, LoadOptions.defaults()); }

    public static Llava4j load(Path modelDir, LoadOptions options) {
        return new Llava4j(ModelRegistry.load(modelDir, options));
    }

    /** The loaded model (capabilities, tokenizer, processor, language model). */
    public VisionLanguageModel model() { return model; }

    /** A new conversation with the model's own template. */
    public Chat newChat() { return new Chat(model, model.chatTemplate()); }

    /** A new conversation with a named conversation template (e.g. "vicuna_v1"), overriding the model's. */
    public Chat newChat(String convMode) {
        return new Chat(model, convMode == null ? model.chatTemplate() : io.llava4j.chat.ConversationTemplates.byName(convMode));
    }

    /** One question about zero or more image files; streams text to {@code onText} (may be null) and returns the answer. */
    public String ask(String question, List<Path> images, SamplingParams params, Consumer<String> onText) {
        List<RgbImage> decoded = images.stream().map(ImageDecoder::decode).toList();
        return newChat().send(question, decoded, params, onText).text();
    }

    @Override
    public void close() { model.close(); }
}
