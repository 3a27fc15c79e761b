package io.llava4j.api;

import io.llava4j.chat.ChatTemplate;
import io.llava4j.chat.Message;
import io.llava4j.engine.Generator;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.VisionLanguageModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A multi-turn conversation. Each {@link #send} renders the whole history with the chat template (images of a
 * turn go before its text), runs the model, and appends the answer to the history. Not thread-safe.
 */
public final class Chat {
    private final VisionLanguageModel model;
    private final ChatTemplate template;
    private final List<Message> messages = new ArrayList<>();
    private final List<RgbImage> images = new ArrayList<>();
    private final List<List<RgbImage>> videos = new ArrayList<>();

    Chat(VisionLanguageModel model, ChatTemplate template) {
        this.model = model;
        this.template = template;
    }

    /** Sets a system message (before the first turn). */
    public Chat system(String text) {
        if (!messages.isEmpty()) throw new IllegalStateException("the system message must come before the first turn");
        messages.add(Message.system(text));
        return this;
    }

    /** The answer of one turn and its numbers. */
    public record Reply(String text, Generator.Result result) {}

    public Reply send(String userText, List<RgbImage> newImages, SamplingParams params, Consumer<String> onText) {
        return send(userText, newImages, List.of(), params, onText);
    }

    /** One turn with images and videos (each video given as its chosen frames, see {@link VisionLanguageModel#frameSampler()}). */
    public Reply send(String userText, List<RgbImage> newImages, List<List<RgbImage>> newVideos, SamplingParams params, Consumer<String> onText) {
        if (!newVideos.isEmpty() && !model.capabilities().videos()) throw new IllegalArgumentException("this model does not take videos");
        if (!newImages.isEmpty() && !model.capabilities().images()) throw new IllegalArgumentException("this model does not take images");
        if (!newImages.isEmpty() && !model.capabilities().multipleImages() && images.size() + newImages.size() > 1) {
            throw new IllegalArgumentException("this model takes one image per conversation");
        }
        String marked = userText.contains(Message.IMAGE_PLACEHOLDER) || userText.contains(model.videoMarker()) ? userText
                : (model.videoMarker() + "\n").repeat(newVideos.size()) + (Message.IMAGE_PLACEHOLDER + "\n").repeat(newImages.size()) + userText;
        Message user = Message.of(Message.USER, marked);
        List<Message> attempt = new ArrayList<>(messages);
        attempt.add(user);
        List<RgbImage> allImages = new ArrayList<>(images);
        allImages.addAll(newImages);
        String prompt = template.render(attempt, true);
        List<List<RgbImage>> allVideos = new ArrayList<>(videos);
        allVideos.addAll(newVideos);
        MultimodalPrompt p = model.prepare(prompt, allImages, allVideos);
        List<String> stops = new ArrayList<>(params.stopStrings());
        for (String s : template.stopStrings()) if (!stops.contains(s)) stops.add(s);
        Generator.Result r = Generator.generate(model, p, params.withStopStrings(stops), onText);
        String answer = r.text().strip();
        messages.add(user);
        images.addAll(newImages);
        videos.addAll(newVideos);
        messages.add(Message.of(Message.ASSISTANT, answer));
        return new Reply(answer, r);
    }

    public List<Message> history() { return List.copyOf(messages); }

    /** Forgets the conversation (images included). */
    public void reset() { messages.clear(); images.clear(); videos.clear(); }
}
