package io.llava4j.train.data;

import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * LLaVA's {@code LazySupervisedDataset}: samples of a training JSON, tokenized and masked on access
 * ({@link ConversationPreprocessor}), images read from {@code imageFolder} and preprocessed as upstream for
 * {@code --image_aspect_ratio}: {@code pad} = expand2square with the processor's mean colour ({@code int(m*255)}) then
 * the CLIP processor; anything else (upstream's default {@code square}) = the CLIP processor alone. Every sample seen is
 * recorded in the {@link DataReport}; {@link #scan()} tokenizes the whole set up front so the report is complete before
 * training starts.
 */
public final class LlavaDataset {
    private final List<LlavaSample> samples;
    private final ConversationPreprocessor pre;
    private final ClipImageProcessor processor;
    private final boolean padToSquare;
    private final Path imageFolder;
    private final DataReport report = new DataReport();
    private final Encoded[] encoded;

    public LlavaDataset(List<LlavaSample> samples, ConversationPreprocessor pre, ClipImageProcessor processor,
                        String imageAspectRatio, Path imageFolder) {
        this.samples = List.copyOf(samples);
        this.pre = pre;
        this.processor = processor;
        this.padToSquare = "pad".equals(imageAspectRatio);
        if (imageAspectRatio != null && !imageAspectRatio.equals("pad") && !imageAspectRatio.equals("square")) {
            throw new IllegalArgumentException("image_aspect_ratio '" + imageAspectRatio + "' is not supported for training (pad, square)");
        }
        this.imageFolder = imageFolder;
        this.encoded = new Encoded[samples.size()];
    }

    public int size() { return samples.size(); }

    public LlavaSample sample(int i) { return samples.get(i); }

    public ConversationPreprocessor preprocessor() { return pre; }

    public DataReport report() { return report; }

    /** LLaVA's {@code modality_lengths}, in sample order. */
    public int[] modalityLengths() {
        int[] l = new int[samples.size()];
        for (int i = 0; i < l.length; i++) l[i] = samples.get(i).modalityLength();
        return l;
    }

    /** Tokenized ids and labels of sample i (cached). */
    public Encoded encoded(int i) {
        Encoded e;
        synchronized (encoded) { e = encoded[i]; }
        if (e == null) {
            e = pre.encode(samples.get(i));
            report.record(e);
            synchronized (encoded) { encoded[i] = e; }
        }
        return e;
    }

    /** Tokenizes every sample once, so the report covers the whole set. */
    public DataReport scan() {
        for (int i = 0; i < samples.size(); i++) encoded(i);
        return report;
    }

    /** Sample i as the training graph takes it (images decoded and preprocessed now). */
    public Example get(int i) {
        Encoded e = encoded(i);
        LlavaSample s = samples.get(i);
        List<float[]> pixels = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        if (e.imagePlaceholders() > 0) {
            if (imageFolder == null) throw new IllegalStateException("sample " + s.id() + " has an image but no image folder was given");
            for (String rel : s.images()) {
                Path p = imageFolder.resolve(rel);
                pixels.add(pixels(ImageDecoder.decode(p)));
                keys.add(p.toString());
            }
        }
        return new Example(s.id(), e.inputIds(), e.labels(), pixels, keys);
    }

    /** The pixel tensor (3, S, S) of one image. */
    public float[] pixels(RgbImage img) {
        return (padToSquare ? processor.preprocessPadToSquare(img) : processor.preprocess(img)).data();
    }
}
