package io.llava4j.train.llava;

import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.tensor.DType;
import io.llava4j.train.Param;
import io.llava4j.train.TrainableModel;
import io.llava4j.train.data.ConversationPreprocessor;
import io.llava4j.train.data.DataReport;
import io.llava4j.train.data.LlavaDataset;
import io.llava4j.train.data.LlavaJson;
import io.llava4j.train.data.ModalityLengthGroupedSampler;
import io.llava4j.train.data.TokenizerFlags;
import io.llava4j.train.loop.DataOrder;
import io.llava4j.train.loop.ModelState;
import io.llava4j.train.loop.SaveHook;
import io.llava4j.train.loop.TrainOptions;
import io.llava4j.train.loop.TrainingSetup;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code llava4j train} for LLaVA checkpoints: what is trained follows the seeds' flags
 * <ul>
 *   <li>{@code --tune_mm_mlp_adapter}: the projector only (stage 1);</li>
 *   <li>{@code --lora_enable}: LoRA (r, alpha, dropout) on q,k,v,o,gate,up,down of every language-model layer, plus the
 *       projector (stage 2, finetune_lora);</li>
 *   <li>neither: the projector and the whole language model (stage 2, finetune);</li>
 *   <li>{@code --mm_tunable_parts} (LLaVA-OneVision) overrides: any of mm_mlp_adapter, mm_language_model (LoRA when
 *       --lora_enable), mm_vision_tower (the CLIP tower too, as the demo model needs).</li>
 * </ul>
 * Data: {@code --data_path} through the {@code --version} template and masking ({@link ConversationPreprocessor}),
 * images from {@code --image_folder} per {@code --image_aspect_ratio}; tokenization problems (mismatches, truncations,
 * samples without a trained token) are counted in the summary line and listed in {@code OUTPUT/data_report.txt}.
 * Order: {@code --group_by_modality_length} gives {@link ModalityLengthGroupedSampler}'s order (group = gradient
 * accumulation steps, one device), else the loop's seeded shuffle. {@code --pretrain_mm_mlp_adapter} loads a stage-1
 * projector file first.
 *
 * <p>Saved (each checkpoint and the output folder): the output folder always becomes a complete model folder (the
 * merged checkpoint of {@link LlavaExport#saveMerged}, loadable by {@code chat}); with a trained projector also
 * {@code mm_projector.safetensors} (stage 1's artefact); with LoRA also the PEFT folder {@code adapter/}. Checkpoint
 * folders of LoRA runs hold the adapter and projector only (as HF Trainer saves a PEFT model), other runs the full
 * checkpoint.
 */
public final class LlavaTrainingSetup implements TrainingSetup {
    /** The type trained tensors are written in. */
    private final DType saveType;

    public LlavaTrainingSetup() { this(DType.F32); }

    public LlavaTrainingSetup(DType saveType) { this.saveType = saveType; }

    @Override
    public Prepared<?> prepare(TrainOptions o) throws IOException {
        TrainSetup setup = setup(o);
        LlavaTrainModel model = LlavaTrainModel.load(o.modelNameOrPath(), setup);
        try {
            model.setSeed(o.seed(), 0);
            if (setup.lora() != null) model.initLora(o.seed());
            if (o.pretrainMmMlpAdapter() != null) {
                try (WeightMap w = Checkpoints.openFile(o.pretrainMmMlpAdapter())) {
                    model.loadProjector(w);
                }
            }
            ConversationPreprocessor pre = new ConversationPreprocessor(model.tokenizer(), o.version(),
                    TokenizerFlags.legacy(o.modelNameOrPath()), o.modelMaxLength());
            LlavaDataset ds = new LlavaDataset(LlavaJson.read(o.dataPath()), pre, model.imageProcessor(), o.imageAspectRatio(),
                    o.imageFolder());
            if (ds.size() == 0) throw new IllegalArgumentException("--data_path " + o.dataPath() + " holds no samples");
            checkImages(ds, o.imageFolder());
            DataReport report = ds.scan();
            String problems = "";
            if (!report.isClean()) {
                Files.createDirectories(o.outputDir());
                Path file = o.outputDir().resolve("data_report.txt");
                Path tmp = Files.createTempFile(o.outputDir(), ".report", ".tmp");
                Files.write(tmp, report.lines(Integer.MAX_VALUE));
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                problems = String.format(Locale.ROOT, "; data: %d tokenization mismatches (kept, fully masked, as upstream), %d truncated, %d without a trained token (see %s)",
                        report.mismatches().size(), report.truncated().size(), report.untrained().size(), file);
            }
            String drift = inferenceDrift(model, ds, pre);
            if (drift != null) {
                problems += "; " + drift;
                System.err.println("llava4j: warning: " + drift);
            }
            List<Integer> samples = new ArrayList<>(ds.size());
            for (int i = 0; i < ds.size(); i++) samples.add(i);
            DataOrder order = null;
            if (o.groupByModalityLength()) {
                int[] lengths = ds.modalityLengths();
                int batch = o.perDeviceTrainBatchSize(), group = o.gradientAccumulationSteps();
                long seed = o.seed();
                order = epoch -> ModalityLengthGroupedSampler.order(lengths, batch, group, seed * 0x9E3779B97F4A7C15L + epoch);
            }
            long trainable = model.params().stream().mapToLong(Param::size).sum();
            String summary = String.format(Locale.ROOT, "%s, template %s, %d samples, %,d trainable parameters%s",
                    describe(setup), o.version(), ds.size(), trainable, problems);
            return new Prepared<>(new Indexed(model, ds), samples, order, saveHook(model, o), summary);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * For an HF-layout model, the ids training gives the first image sample (the seeds' tokenizer_image_token, each text
     * chunk tokenized on its own) against the ids the model's own processor gives the same text at inference (the
     * image token expanded, one encode): a message when they differ, else null. They differ e.g. by a dummy-prefix
     * "▁" after the image with a non-legacy tokenizer, which llava-hf checkpoints accept; a model trained here from
     * scratch would then see at chat time a sequence it was not trained on.
     */
    static String inferenceDrift(LlavaTrainModel model, LlavaDataset ds, ConversationPreprocessor pre) {
        if (model.config().layout() != io.llava4j.model.llava.LlavaConfig.Layout.HF) return null;
        for (int i = 0; i < ds.size(); i++) {
            if (!ds.sample(i).hasImage()) continue;
            String prompt = pre.prompt(ds.sample(i));
            int id = model.config().imageTokenId(), P = model.tokensPerImage();
            List<Integer> train = new ArrayList<>();
            for (int t : io.llava4j.tokenizer.ImagePlaceholders.tokenizerImageToken(model.tokenizer(), prompt, ConversationPreprocessor.IMAGE_TOKEN,
                    ConversationPreprocessor.IMAGE_TOKEN_INDEX)) {
                if (t == ConversationPreprocessor.IMAGE_TOKEN_INDEX) for (int k = 0; k < P; k++) train.add(id);
                else train.add(t);
            }
            int[] infer = model.tokenizer().encode(prompt.replace(ConversationPreprocessor.IMAGE_TOKEN, ConversationPreprocessor.IMAGE_TOKEN.repeat(P)), true);
            List<Integer> inf = new ArrayList<>();
            for (int t : infer) inf.add(t);
            if (train.equals(inf)) return null;
            int at = 0;
            while (at < Math.min(train.size(), inf.size()) && train.get(at).equals(inf.get(at))) at++;
            return "sample " + ds.sample(i).id() + ": training ids (tokenizer_image_token) differ from the ids this HF-layout model's processor "
                    + "gives the same text at inference, from position " + at + " (" + train.size() + " vs " + inf.size() + " ids)";
        }
        return null;
    }

    /** Every image the data names exists (upstream would fail mid-training on the first missing one). */
    static void checkImages(LlavaDataset ds, Path folder) {
        int missing = 0;
        String first = null;
        for (int i = 0; i < ds.size(); i++) {
            var s = ds.sample(i);
            if (s.hasVideo()) throw new IllegalArgumentException("sample " + s.id() + " has a video: the LLaVA-1.5 training graph takes images");
            for (String rel : s.images()) {
                if (folder == null) throw new IllegalArgumentException("--image_folder is required: sample " + s.id() + " has an image (" + rel + ")");
                if (!Files.isRegularFile(folder.resolve(rel))) {
                    if (first == null) first = "sample " + s.id() + ": " + folder.resolve(rel);
                    missing++;
                }
            }
        }
        if (missing > 0) throw new IllegalArgumentException(missing + " image file(s) named by the data do not exist, first: " + first);
    }

    /** The parts to train, from the flags. */
    static TrainSetup setup(TrainOptions o) {
        boolean projector, lm, tower;
        if (o.mmTunableParts() != null) {
            Set<String> parts = new HashSet<>();
            for (String p : o.mmTunableParts().split(",")) parts.add(p.strip());
            projector = parts.contains("mm_mlp_adapter");
            lm = parts.contains("mm_language_model");
            tower = parts.contains("mm_vision_tower");
        } else if (o.tuneMmMlpAdapter()) {
            projector = true; lm = false; tower = false;
        } else {
            projector = true; lm = true; tower = false;
        }
        TrainSetup.Lora lora = o.loraEnable() && (lm || o.mmTunableParts() == null)
                ? new TrainSetup.Lora(o.loraR(), o.loraAlpha(), (float) o.loraDropout(), TrainSetup.Lora.ALL_LINEAR) : null;
        if (o.loraEnable() && lora == null) throw new IllegalArgumentException("--lora_enable needs mm_language_model in --mm_tunable_parts");
        boolean fullLm = lm && lora == null;
        if (!projector && !fullLm && lora == null && !tower) throw new IllegalArgumentException("nothing to train (--mm_tunable_parts names no part)");
        return new TrainSetup(projector, lora, fullLm, tower, true, o.modelMaxLength(), true);
    }

    static String describe(TrainSetup s) {
        List<String> parts = new ArrayList<>();
        if (s.trainProjector()) parts.add("projector");
        if (s.lora() != null) parts.add("LoRA r=" + s.lora().r() + " alpha=" + s.lora().alpha() + " dropout=" + s.lora().dropout());
        if (s.fullLm()) parts.add("language model");
        if (s.trainVisionTower()) parts.add("vision tower");
        return "training " + String.join(" + ", parts);
    }

    private SaveHook saveHook(LlavaTrainModel m, TrainOptions o) {
        Path out = o.outputDir().toAbsolutePath().normalize();
        return dir -> {
            boolean fin = dir.toAbsolutePath().normalize().equals(out);
            if (m.setup().trainProjector()) LlavaExport.saveProjector(m, dir.resolve("mm_projector.safetensors"), saveType);
            if (m.setup().lora() != null) LlavaExport.savePeftAdapter(m, dir.resolve("adapter"), saveType);
            if (fin || m.setup().lora() == null) LlavaExport.saveMerged(m, dir, saveType);
        };
    }

    /** The loop's view: samples are indices into the dataset, loaded (images decoded) when their batch runs. */
    static final class Indexed implements TrainableModel<Integer>, ModelState {
        private final LlavaTrainModel model;
        private final LlavaDataset ds;

        Indexed(LlavaTrainModel model, LlavaDataset ds) {
            this.model = model;
            this.ds = ds;
        }

        LlavaTrainModel model() { return model; }

        @Override public List<Param> params() { return model.params(); }

        @Override
        public double forwardBackward(List<Integer> batch, float gradScale) {
            List<io.llava4j.train.data.Example> ex = new ArrayList<>(batch.size());
            for (int i : batch) ex.add(ds.get(i));
            return model.forwardBackward(ex, gradScale);
        }

        @Override
        public int tokens(List<Integer> batch) {
            int n = 0;
            for (int i : batch) n += model.tokens(ds.encoded(i).inputIds());
            return n;
        }

        @Override public void saveState(DataOutputStream out) throws IOException { model.saveState(out); }

        @Override public void loadState(DataInputStream in) throws IOException { model.loadState(in); }
    }
}
