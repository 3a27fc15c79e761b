package io.llava4j.train.llava;

import com.fasterxml.jackson.databind.JsonNode;
import io.llava4j.config.Json;
import io.llava4j.format.Checkpoints;
import io.llava4j.format.WeightMap;
import io.llava4j.llm.DecoderConfig;
import io.llava4j.model.ModelLocator;
import io.llava4j.model.llava.LlavaConfig;
import io.llava4j.model.llava.LlavaTowers;
import io.llava4j.model.llava.LlavaWeightNames;
import io.llava4j.tensor.Tensor;
import io.llava4j.tokenizer.TextTokenizer;
import io.llava4j.tokenizer.Tokenizers;
import io.llava4j.train.Param;
import io.llava4j.train.TrainableModel;
import io.llava4j.train.data.ConversationPreprocessor;
import io.llava4j.train.data.Example;
import io.llava4j.train.loop.ModelState;
import io.llava4j.train.nn.Act;
import io.llava4j.train.nn.CrossEntropy;
import io.llava4j.train.nn.Gemm;
import io.llava4j.train.nn.Linear;
import io.llava4j.train.nn.LlamaDecoder;
import io.llava4j.train.nn.LlamaLayer;
import io.llava4j.train.nn.Rope;
import io.llava4j.train.nn.VectorWeight;
import io.llava4j.train.nn.Weight;
import io.llava4j.vision.encoder.ClipVisionConfig;
import io.llava4j.vision.encoder.ClipVisionTower;
import io.llava4j.vision.encoder.VisionTower;
import io.llava4j.vision.preprocess.ClipImageProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The LLaVA-1.5 training graph (original {@code LlavaLlamaForCausalLM} semantics): each image through the CLIP tower
 * (hidden_states[mm_vision_select_layer], CLS dropped for "patch"), the projector (Linear, GELU, Linear), its rows
 * spliced in at the -200 placeholder with label -100, the sequence cut at model_max_length, the LLaMA decoder, the LM
 * head and the cross-entropy against the shifted labels. The loss is HF's: the mean over every non-ignored shifted
 * label of the batch. Sequences run one at a time at their own length (a right-padded batch gives its real rows the
 * same values: causal attention never looks at later padding).
 *
 * <p>Base weights stay in the memory-mapped checkpoint and are read in their stored type; trainable tensors (per
 * {@link TrainSetup}) are copied into {@link Param}s. Parameter order: projector, then LoRA (layer by layer, A then B
 * per target in q,k,v,o,gate,up,down order), then language-model weights, then vision-tower weights. Projector
 * parameters form the learning-rate group "mm_projector", the tower's "vision_tower"; biases and norm weights take no
 * weight decay. The LoRA dropout stream (seed and call counter) is {@link ModelState}, so a resumed run draws the same
 * masks.
 */
public final class LlavaTrainModel implements TrainableModel<Example>, ModelState, AutoCloseable {
    /** Learning-rate group of the projector's parameters ({@code --mm_projector_lr}). */
    public static final String PROJECTOR_GROUP = "mm_projector";
    /** Learning-rate group of the vision tower's parameters ({@code --mm_vision_tower_lr}). */
    public static final String VISION_GROUP = "vision_tower";

    private final Path dir;
    private final LlavaConfig cfg;
    private final LlavaWeightNames names;
    private final List<WeightMap> opened;
    private final TextTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final TrainSetup setup;
    private final DecoderConfig tc;

    private final Weight embed;
    private final LlamaDecoder decoder;
    private final Linear[] projector;
    private final Linear.Acts[] projActs;
    private final VisionPath vision;
    private final List<Param> params = new ArrayList<>();
    private final List<Param> loraParams = new ArrayList<>();
    private final int tokensPerImage;
    private final String visionWeightPrefix;

    private long step;
    private long seed = 0x5eedL;
    private double[] lastSampleLosses = new double[0];
    private int[] lastSampleTokens = new int[0];
    private float[] emb = new float[0], demb = new float[0];

    private LlavaTrainModel(Path dir, LlavaConfig cfg, LlavaWeightNames names, List<WeightMap> opened, TextTokenizer tokenizer,
                            ClipImageProcessor processor, TrainSetup setup, VisionTower frozenTower, WeightMap w, WeightMap towerWeights,
                            String towerPrefix) {
        this.dir = dir;
        this.cfg = cfg;
        this.names = names;
        this.opened = opened;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.setup = setup;
        this.tc = cfg.textConfig();
        int h = tc.hiddenSize();

        // projector
        String[] pn = names.projector();
        projector = new Linear[pn.length];
        projActs = new Linear.Acts[pn.length];
        projBuf = new float[2 * pn.length][];
        for (int i = 0; i < pn.length; i++) {
            Tensor wt = w.get(pn[i] + ".weight");
            Tensor bt = w.find(pn[i] + ".bias").orElse(null);
            // the projector is small: always in float[] (trainable, or frozen but loadable from a stage-1 file)
            Weight pw = setup.trainProjector() ? Weight.trainable(add(copy(wt, true, PROJECTOR_GROUP)))
                    : Weight.frozen(wt.name(), wt.toFloatArray(), (int) wt.dim(0), (int) (wt.numel() / wt.dim(0)));
            VectorWeight pb = bt == null ? null : setup.trainProjector() ? VectorWeight.trainable(add(copy(bt, false, PROJECTOR_GROUP))) : VectorWeight.frozen(bt);
            projector[i] = new Linear(pn[i], pw, pb);
            projActs[i] = new Linear.Acts();
        }
        if (projector[projector.length - 1].out != h) throw new IllegalArgumentException("projector gives " + projector[projector.length - 1].out + " features, the language model takes " + h);

        // language model
        String p = names.decoderPrefix();
        boolean full = setup.fullLm();
        Tensor embT = w.get(p + "embed_tokens.weight").requireShape(tc.vocabSize(), h);
        List<Param> lmParams = new ArrayList<>();
        this.embed = full ? Weight.trainable(track(copy(embT, true, "default"), lmParams)) : Weight.frozen(embT);
        Rope rope = new Rope(tc.headDim(), tc.ropeTheta());
        LlamaLayer[] layers = new LlamaLayer[tc.numLayers()];
        String[] targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
        String[] modules = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
        for (int l = 0; l < layers.length; l++) {
            String lp = p + "layers." + l + ".";
            VectorWeight n1 = vec(w.get(lp + "input_layernorm.weight"), full, lmParams);
            VectorWeight n2 = vec(w.get(lp + "post_attention_layernorm.weight"), full, lmParams);
            Linear[] lin = new Linear[7];
            for (int m = 0; m < 7; m++) {
                String name = lp + modules[m];
                Tensor wt = w.get(name + ".weight");
                Tensor bt = w.find(name + ".bias").orElse(null);
                Weight lw = full ? Weight.trainable(track(copy(wt, true, "default"), lmParams)) : Weight.frozen(wt);
                VectorWeight lb = bt == null ? null : vec(bt, full, lmParams);
                lin[m] = new Linear(name, lw, lb);
            }
            layers[l] = new LlamaLayer(tc.numHeads(), tc.numKvHeads(), tc.headDim(), tc.rmsNormEps(), rope, n1, n2,
                    lin[0], lin[1], lin[2], lin[3], lin[4], lin[5], lin[6]);
            if (setup.lora() != null) {
                TrainSetup.Lora lo = setup.lora();
                for (int m = 0; m < 7; m++) {
                    if (!lo.targets().contains(targets[m])) continue;
                    String base = "base_model.model." + lp + modules[m];
                    Param a = new Param(base + ".lora_A.weight", new int[] {lo.r(), lin[m].in}, new float[lo.r() * lin[m].in], true, "default");
                    Param b = new Param(base + ".lora_B.weight", new int[] {lin[m].out, lo.r()}, new float[lin[m].out * lo.r()], true, "default");
                    lin[m].withLora(a, b, lo.scaling(), lo.dropout());
                    loraParams.add(a);
                    loraParams.add(b);
                }
            }
        }
        VectorWeight fn = vec(w.get(p + "norm.weight"), full, lmParams);
        Tensor headT = w.find(names.lmHead()).orElse(null);
        Weight head;
        if (headT == null) {
            if (!tc.tieWordEmbeddings()) w.get(names.lmHead()); // throws: missing and not tied
            head = embed;
        } else {
            headT.requireShape(tc.vocabSize(), h);
            head = full ? Weight.trainable(track(copy(headT, true, "default"), lmParams)) : Weight.frozen(headT);
        }
        this.decoder = new LlamaDecoder(layers, fn, head, tc.rmsNormEps(), setup.recompute());
        params.addAll(loraParams);
        params.addAll(lmParams);

        // vision
        ClipVisionConfig vc = cfg.visionConfig();
        int featureIndex = vc == null ? 0 : cfg.featureLayerIndex(vc.numLayers());
        if (vc != null && towerWeights != null) {
            ClipEncoderPath enc = new ClipEncoderPath(vc, towerWeights, towerPrefix, featureIndex, cfg.keepCls(), setup.recompute(),
                    setup.trainVisionTower(), setup.cacheFeatures());
            params.addAll(enc.params());
            this.vision = enc;
        } else {
            if (setup.trainVisionTower()) throw new IllegalArgumentException("only CLIP vision towers can be trained");
            this.vision = new FrozenVisionPath(frozenTower, cfg.visionFeatureLayer(), cfg.keepCls(), setup.cacheFeatures());
        }
        this.tokensPerImage = vision.rows();
        this.visionWeightPrefix = towerWeights != null ? towerPrefix : null;
        if (vision.dim() != projector[0].in) throw new IllegalArgumentException("vision tower gives " + vision.dim() + " features, the projector takes " + projector[0].in);
    }

    private Param add(Param p) { params.add(p); return p; }
    private static Param track(Param p, List<Param> list) { list.add(p); return p; }

    private static VectorWeight vec(Tensor t, boolean trainable, List<Param> list) {
        return trainable ? VectorWeight.trainable(track(copy(t, false, "default"), list)) : VectorWeight.frozen(t);
    }

    static Param copy(Tensor t, boolean decay, String group) {
        int[] shape = new int[t.rank()];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) t.dim(i);
        return new Param(t.name(), shape, t.toFloatArray(), decay, group);
    }

    /** Loads a LLaVA checkpoint folder (HF or original layout) for training. */
    public static LlavaTrainModel load(Path dir, TrainSetup setup) {
        JsonNode c = Json.read(dir.resolve("config.json"));
        LlavaConfig cfg = LlavaConfig.fromJson(c);
        List<WeightMap> opened = new ArrayList<>();
        try {
            WeightMap w = Checkpoints.open(dir);
            opened.add(w);
            LlavaWeightNames names = LlavaWeightNames.detect(w, io.llava4j.vision.projector.MlpProjector.depth(cfg.projectorType()));
            TextTokenizer tok = Tokenizers.load(dir);
            ClipImageProcessor proc;
            VisionTower tower;
            WeightMap tw = w;
            String prefix = names.visionPrefix();
            if (cfg.layout() == LlavaConfig.Layout.HF) {
                proc = ClipImageProcessor.load(dir.resolve("preprocessor_config.json"));
                if (prefix == null) throw new IllegalArgumentException(dir + ": the checkpoint has no vision tower weights");
                tower = new ClipVisionTower(cfg.visionConfig(), w, prefix, cfg.featureLayerIndex());
            } else {
                Path towerDir = ModelLocator.resolve(cfg.mmVisionTower(), dir);
                if (prefix == null) {
                    tw = Checkpoints.open(towerDir);
                    opened.add(tw);
                }
                LlavaTowers.Loaded t = LlavaTowers.load(towerDir, cfg, tw, prefix);
                tower = t.tower();
                proc = t.processor();
                if (t.clipConfig() != null) {
                    cfg = cfg.withVisionConfig(t.clipConfig());
                    if (prefix == null) prefix = tw.has("vision_model.embeddings.patch_embedding.weight") ? "vision_model." : "vision_tower.vision_model.";
                } else {
                    tw = null; // not CLIP (InternViT): core's inference tower, frozen
                }
            }
            return new LlavaTrainModel(dir, cfg, names, opened, tok, proc, setup, tower, w, tw, prefix);
        } catch (RuntimeException e) {
            opened.forEach(WeightMap::close);
            throw e;
        }
    }

    public Path dir() { return dir; }
    public LlavaConfig config() { return cfg; }
    public LlavaWeightNames weightNames() { return names; }
    public TextTokenizer tokenizer() { return tokenizer; }
    public ClipImageProcessor imageProcessor() { return processor; }
    public TrainSetup setup() { return setup; }
    public int tokensPerImage() { return tokensPerImage; }
    /** The projector's linear layers (their weights are Params when trainable). */
    public Linear[] projector() { return projector.clone(); }
    public LlamaDecoder decoder() { return decoder; }
    /** The name prefix of the CLIP tower's weights (in the checkpoint or in the tower's own folder), or null. */
    public String visionWeightPrefix() { return visionWeightPrefix; }

    @Override public List<Param> params() { return List.copyOf(params); }

    /** The LoRA A/B parameters (PEFT names), empty without LoRA. */
    public List<Param> loraParams() { return List.copyOf(loraParams); }

    /** The parameter with this name. */
    public Param param(String name) {
        for (Param p : params) if (p.name.equals(name)) return p;
        throw new IllegalArgumentException("no trainable parameter '" + name + "'");
    }

    /** PEFT's default LoRA init: A kaiming-uniform (bound 1/sqrt(in)), B zero. */
    public void initLora(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < loraParams.size(); i += 2) {
            Param a = loraParams.get(i), b = loraParams.get(i + 1);
            double bound = 1.0 / Math.sqrt(a.shape[1]);
            for (int j = 0; j < a.data.length; j++) a.data[j] = (float) ((r.nextDouble() * 2 - 1) * bound);
            Arrays.fill(b.data, 0f);
        }
    }

    /** Sets LoRA A/B from tensors with PEFT names (e.g. an adapter_model.safetensors); every adapter must be present. */
    public void loadLora(WeightMap w) {
        for (Param p : loraParams) {
            Tensor t = w.find(p.name).or(() -> w.find(p.name.replace(".weight", ".default.weight")))
                    .orElseThrow(() -> new IllegalArgumentException("LoRA weights have no " + p.name));
            long[] want = {p.shape[0], p.shape[1]};
            t.requireShape(want);
            t.toFloats(0, p.data, 0, p.size());
        }
    }

    /** Sets the dropout seed base (LoRA dropout); each forwardBackward call advances a step counter below it. */
    public void setSeed(long seed, long step) {
        this.seed = seed;
        this.step = step;
    }

    @Override
    public void saveState(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeLong(seed);
        out.writeLong(step);
    }

    @Override
    public void loadState(java.io.DataInputStream in) throws java.io.IOException {
        seed = in.readLong();
        step = in.readLong();
    }

    /**
     * Sets the projector from a stage-1 file ({@code --pretrain_mm_mlp_adapter}): keys ending in
     * {@code mm_projector.{2i}.weight/bias} (original, as upstream's get_w strips the prefix) or
     * {@code multi_modal_projector.linear_{i+1}.*} (HF).
     */
    public void loadProjector(WeightMap w) {
        for (int i = 0; i < projector.length; i++) {
            Linear l = projector[i];
            String[] stems = {"mm_projector." + (2 * i), "multi_modal_projector.linear_" + (i + 1)};
            if (projector.length == 1) stems = new String[] {"mm_projector", "mm_projector.0", "multi_modal_projector.linear_1"};
            Tensor wt = null, bt = null;
            for (String n : w.names()) for (String stem : stems) {
                if (n.equals(stem + ".weight") || n.endsWith("." + stem + ".weight")) wt = w.get(n);
                if (n.equals(stem + ".bias") || n.endsWith("." + stem + ".bias")) bt = w.get(n);
            }
            if (wt == null) throw new IllegalArgumentException("the projector file has no weight for projector layer " + i + " (looked for " + String.join(", ", stems) + ")");
            wt.requireShape(l.out, l.in);
            float[] dst = l.w.dense;
            wt.toFloats(0, dst, 0, dst.length);
            if (l.b != null) {
                if (bt == null) throw new IllegalArgumentException("the projector file has no bias for projector layer " + i);
                bt.requireShape(l.out);
                bt.toFloats(0, l.b.values, 0, l.out);
            }
        }
    }

    /** Sequence length after the splice and the cut, from ids alone (the loop's token count). */
    public int tokens(int[] inputIds) {
        int n = 0;
        for (int id : inputIds) n += id == ConversationPreprocessor.IMAGE_TOKEN_INDEX ? tokensPerImage : 1;
        return Math.min(n, setup.modelMaxLength());
    }

    /** Loss of each sample of the last call (its own mean over its trained tokens; NaN with none). */
    public double[] lastSampleLosses() { return lastSampleLosses.clone(); }

    /** Trained (shifted, non-ignored) tokens of each sample of the last call. */
    public int[] lastSampleTokens() { return lastSampleTokens.clone(); }

    /** One sequence after splicing: image rows and labels. */
    private record Seq(int T, int[] targets, int[] ids, int[] imageAt, int trained) {}

    /** ids with each -200 replaced by {@link #tokensPerImage} rows (id -1, label -100), cut at model_max_length. */
    private Seq splice(Example ex) {
        int[] ids = ex.inputIds(), labels = ex.labels();
        int n = 0, images = 0;
        for (int id : ids) { if (id == ConversationPreprocessor.IMAGE_TOKEN_INDEX) { n += tokensPerImage; images++; } else n++; }
        int T = Math.min(n, setup.modelMaxLength());
        int[] rowIds = new int[T], rowLabels = new int[T], imageAt = new int[images];
        int r = 0, img = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == ConversationPreprocessor.IMAGE_TOKEN_INDEX) {
                imageAt[img++] = r;
                for (int k = 0; k < tokensPerImage; k++, r++) if (r < T) { rowIds[r] = -1; rowLabels[r] = CrossEntropy.IGNORE_INDEX; }
            } else {
                if (r < T) { rowIds[r] = ids[i]; rowLabels[r] = labels[i]; }
                r++;
            }
        }
        int[] targets = new int[T];
        int trained = 0;
        for (int t = 0; t < T; t++) {
            targets[t] = t + 1 < T ? rowLabels[t + 1] : CrossEntropy.IGNORE_INDEX;
            if (targets[t] != CrossEntropy.IGNORE_INDEX) trained++;
        }
        return new Seq(T, targets, rowIds, imageAt, trained);
    }

    /** Labels after the splice (image rows -100), before the shift: the golden's labels_after_splice. */
    public int[] labelsAfterSplice(Example ex) {
        Seq s = splice(ex);
        int[] out = new int[s.T];
        out[0] = ex.labels().length > 0 && ex.inputIds()[0] != ConversationPreprocessor.IMAGE_TOKEN_INDEX ? ex.labels()[0] : CrossEntropy.IGNORE_INDEX;
        System.arraycopy(s.targets, 0, out, 1, s.T - 1);
        return out;
    }

    @Override
    public int tokens(List<Example> batch) {
        int n = 0;
        for (Example e : batch) n += splice(e).T;
        return n;
    }

    @Override
    public double forwardBackward(List<Example> batch, float gradScale) {
        return run(batch, gradScale, true);
    }

    /** The batch's loss without gradients, in evaluation mode (no LoRA dropout). Does not advance the dropout step. */
    public double loss(List<Example> batch) {
        setTraining(false);
        long keep = step;
        try {
            return run(batch, 0f, false);
        } finally {
            step = keep;
            setTraining(true);
        }
    }

    private void setTraining(boolean t) {
        for (LlamaLayer l : decoder.layers) for (Linear lin : l.linears()) lin.setTraining(t);
    }

    /** Rows per packed pass: the samples of a micro-batch run together up to this many rows (a longer one alone). */
    static final int PACK_ROWS = 8192;

    private double run(List<Example> batch, float gradScale, boolean backward) {
        Seq[] seqs = new Seq[batch.size()];
        long count = 0;
        for (int i = 0; i < seqs.length; i++) { seqs[i] = splice(batch.get(i)); count += seqs[i].trained; }
        lastSampleLosses = new double[seqs.length];
        lastSampleTokens = new int[seqs.length];
        long callStep = step++;
        if (count == 0) { Arrays.fill(lastSampleLosses, Double.NaN); return 0.0; }
        float scale = (float) (gradScale / count);
        double total = 0;
        int pack = 0;
        for (int first = 0; first < seqs.length; pack++) {
            int last = first, rows = seqs[first].T;
            while (last + 1 < seqs.length && rows + seqs[last + 1].T <= PACK_ROWS) rows += seqs[++last].T;
            total += runPack(batch, seqs, first, last + 1, rows, scale, backward, mix(seed, callStep, pack));
            first = last + 1;
        }
        return total / count;
    }

    /** Samples [from, to) packed into one pass of {@code rows} rows: their summed loss. */
    private double runPack(List<Example> batch, Seq[] seqs, int from, int to, int rows, float scale, boolean backward, long packSeed) {
        int h = tc.hiddenSize();
        if (emb.length < rows * h) { emb = new float[rows * h]; demb = new float[rows * h]; }
        int[] seg = new int[to - from + 1], targets = new int[rows];
        List<float[]> pixels = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Integer> imageRow = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Seq s = seqs[i];
            Example ex = batch.get(i);
            int r0 = seg[i - from];
            seg[i - from + 1] = r0 + s.T;
            System.arraycopy(s.targets, 0, targets, r0, s.T);
            for (int t = 0; t < s.T; t++) if (s.ids[t] >= 0) {
                if (s.ids[t] >= tc.vocabSize()) throw new IllegalArgumentException("sample " + ex.id() + ": token id " + s.ids[t] + " outside the vocabulary (" + tc.vocabSize() + ")");
                embed.row(s.ids[t], 0, emb, (r0 + t) * h, h);
            }
            for (int k = 0; k < s.imageAt.length; k++) {
                pixels.add(ex.images().get(k));
                keys.add(k < ex.imageKeys().size() ? ex.imageKeys().get(k) : null);
                imageRow.add(r0 + s.imageAt[k]);
            }
        }
        // image rows: tower -> projector, all images of the pack at once
        int P = tokensPerImage, N = pixels.size();
        float[] feats = null;
        if (N > 0) {
            feats = vision.forward(pixels, keys, backward);
            float[] out = projectForward(feats, N * P);
            for (int k = 0; k < N; k++) {
                int r = imageRow.get(k), end = nextStart(seg, r);
                int n = Math.min(P, end - r);
                if (n > 0) System.arraycopy(out, k * P * h, emb, r * h, n * h);
            }
        }
        boolean needDemb = backward && (setup.trainProjector() || setup.trainVisionTower() || embed.trainable());
        double[] rowLoss = new double[rows];
        double lossSum = decoder.run(emb, seg, targets, scale, backward, needDemb ? demb : null, packSeed, rowLoss);
        for (int i = from; i < to; i++) {
            double s = 0;
            for (int t = seg[i - from]; t < seg[i - from + 1]; t++) if (targets[t] != CrossEntropy.IGNORE_INDEX) s += rowLoss[t];
            lastSampleLosses[i] = seqs[i].trained == 0 ? Double.NaN : s / seqs[i].trained;
            lastSampleTokens[i] = seqs[i].trained;
        }
        if (!needDemb) return lossSum;
        if (embed.trainable()) {
            float[] g = embed.param.grad;
            for (int i = from; i < to; i++) {
                Seq s = seqs[i];
                int r0 = seg[i - from];
                for (int t = 0; t < s.T; t++) if (s.ids[t] >= 0) {
                    int o = s.ids[t] * h, d = (r0 + t) * h;
                    for (int j = 0; j < h; j++) g[o + j] += demb[d + j];
                }
            }
        }
        if (N > 0 && (setup.trainProjector() || setup.trainVisionTower())) {
            float[] dout = new float[N * P * h];
            for (int k = 0; k < N; k++) {
                int r = imageRow.get(k), end = nextStart(seg, r);
                int n = Math.min(P, end - r);
                if (n > 0) System.arraycopy(demb, r * h, dout, k * P * h, n * h);
            }
            float[] df = projectBackward(dout, feats, N * P, setup.trainVisionTower());
            if (setup.trainVisionTower()) vision.backward(df);
        }
        return lossSum;
    }

    /** The end row of the sequence that holds row r. */
    private static int nextStart(int[] seg, int r) {
        for (int i = 1; i < seg.length; i++) if (seg[i] > r) return seg[i];
        return seg[seg.length - 1];
    }

    private static long mix(long seed, long step, int i) {
        long z = seed ^ (step * 0x9E3779B97F4A7C15L) ^ ((long) i * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 29);
    }

    // ---- projector: Linear, (GELU, Linear)*, over the packed image rows ----

    private final float[][] projBuf;

    private float[] projectForward(float[] f, int n) {
        float[][] a = projBuf;
        float[] x = f;
        for (int i = 0; i < projector.length; i++) {
            Linear l = projector[i];
            if (i > 0) {
                float[] act = ensure(a, 2 * i + 1, n * l.in);
                Act.forward(Act.Kind.GELU, x, act, n * l.in);
                x = act;
            }
            float[] y = ensure(a, 2 * i, n * l.out);
            l.forward(x, n, y, projActs[i], 0);
            x = y;
        }
        return x;
    }

    private float[] projectBackward(float[] dout, float[] f, int n, boolean needDf) {
        float[][] a = projBuf;
        float[] dy = dout;
        for (int i = projector.length - 1; i >= 0; i--) {
            Linear l = projector[i];
            float[] x = i == 0 ? f : a[2 * i + 1];
            boolean needDx = i > 0 || needDf;
            float[] dx = needDx ? new float[n * l.in] : null;
            l.backward(dy, x, n, dx, projActs[i]);
            if (i > 0) {
                float[] dpre = new float[n * l.in];
                Act.backward(Act.Kind.GELU, dx, a[2 * (i - 1)], dpre, n * l.in);
                dy = dpre;
            } else {
                dy = dx;
            }
        }
        return dy;
    }

    private static float[] ensure(float[][] a, int i, int n) {
        if (a[i] == null || a[i].length < n) a[i] = new float[n];
        return a[i];
    }

    @Override
    public void close() { opened.forEach(WeightMap::close); }
}
