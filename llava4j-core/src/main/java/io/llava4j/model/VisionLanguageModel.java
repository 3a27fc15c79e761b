package io.llava4j.model;

import io.llava4j.chat.ChatTemplate;
import io.llava4j.llm.DecoderLm;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.tokenizer.TextTokenizer;

import java.util.List;

/**
 * A loaded image/video language model as the engine, CLI and server see it, whatever its family:
 * a processor ({@link #prepare}) that turns prompt text + media into spliced LM input, and the LM.
 */
public interface VisionLanguageModel extends AutoCloseable {

    /** Display name (the model folder's name). */
    String name();

    /** Family id, for display only. */
    String family();

    Capabilities capabilities();

    TextTokenizer tokenizer();

    DecoderLm languageModel();

    /** The chat template the model was trained with (from the checkpoint), used unless the user overrides it. */
    ChatTemplate chatTemplate();

    /** How many frames the family's reference samples from a video (0 when it takes no video). */
    default int preferredVideoFrames() { return 0; }

    /** The frame sampler of the family's reference processor (used by chat and server; probe takes all frames). */
    default io.llava4j.media.FrameSampler frameSampler() {
        return io.llava4j.media.FrameSampler.uniform(Math.max(1, preferredVideoFrames()));
    }

    /** The text marker that stands for one video in a prompt. */
    default String videoMarker() { return "<video>"; }

    /** This model's cache of encoded images and videos (keyed by pixels; see {@link io.llava4j.mm.FeatureCache}). */
    io.llava4j.mm.FeatureCache featureCache();

    /** Token ids that end generation (EOS and template end markers). */
    int[] stopTokenIds();

    /**
     * The processor: the prompt is used verbatim (no template), media markers ({@code <image>}) must match
     * the images given ({@link io.llava4j.mm.MediaCountException} with both counts otherwise).
     * Tokenises as the family's reference processor does, encodes media and splices the features.
     * @param videos each video is its frames in order
     */
    MultimodalPrompt prepare(String prompt, List<RgbImage> images, List<List<RgbImage>> videos);

    @Override
    void close();
}
