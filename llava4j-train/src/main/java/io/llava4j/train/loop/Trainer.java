package io.llava4j.train.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.train.Param;
import io.llava4j.train.TrainableModel;
import io.llava4j.train.optim.AdamW;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The optimizer loop over any {@link TrainableModel}, as HF Trainer runs it:
 * <ol>
 *   <li>each epoch visits the samples in {@link DataOrder#order}(epoch), cut into micro-batches of
 *       {@code batchSize} (the last one smaller); {@code gradientAccumulationSteps} micro-batches make one optimizer
 *       step (the last step of an epoch may have fewer), each passing gradScale = 1 / (micro-batches in the step);</li>
 *   <li>the global gradient norm is clipped to {@code maxGradNorm} ({@link GradClip});</li>
 *   <li>AdamW steps with {@code lr * schedule(step)}, and {@code group_lr * schedule(step)} for named groups
 *       ("mm_projector" with --mm_projector_lr); weight decay only on Params with {@code decay}; gradients are zeroed;</li>
 *   <li>every {@code saveSteps} steps a checkpoint is written ({@link Checkpoints}); with {@code resume} the run
 *       continues from the newest one with the same losses as an uninterrupted run.</li>
 * </ol>
 * Total steps: {@code maxSteps} when > 0, else ceil(epochs x ceil(micro-batches per epoch / accumulation)).
 *
 * @param <S> the model's sample type
 */
public final class Trainer<S> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainableModel<S> model;
    private final List<S> samples;
    private final TrainerConfig cfg;
    private final DataOrder order;
    private final SaveHook hook;
    private final PrintStream progressOut;
    private final boolean terminal;

    /** What a call to {@link #train} did. */
    public record Result(long startStep, long totalSteps, List<StepRecord> steps, double seconds) {
        public long tokens() { return steps.stream().mapToLong(StepRecord::tokens).sum(); }
    }

    public Trainer(TrainableModel<S> model, List<S> samples, TrainerConfig cfg, DataOrder order, SaveHook hook, PrintStream progressOut) {
        this(model, samples, cfg, order, hook, progressOut, ProgressBar.onTerminal());
    }

    public Trainer(TrainableModel<S> model, List<S> samples, TrainerConfig cfg, DataOrder order, SaveHook hook, PrintStream progressOut, boolean terminal) {
        if (samples.isEmpty()) throw new IllegalArgumentException("there are no training samples");
        this.model = model;
        this.samples = List.copyOf(samples);
        this.cfg = cfg;
        this.order = order == null ? DataOrder.shuffled(samples.size(), cfg.seed()) : order;
        this.hook = hook == null ? SaveHook.NONE : hook;
        this.progressOut = progressOut;
        this.terminal = terminal;
    }

    public int microBatchesPerEpoch() { return (samples.size() + cfg.batchSize() - 1) / cfg.batchSize(); }

    public long stepsPerEpoch() { return (microBatchesPerEpoch() + cfg.gradientAccumulationSteps() - 1) / cfg.gradientAccumulationSteps(); }

    public long totalSteps() {
        return cfg.maxSteps() > 0 ? cfg.maxSteps() : (long) Math.ceil(cfg.numTrainEpochs() * stepsPerEpoch());
    }

    public Result train() throws IOException {
        List<Param> params = model.params();
        AdamW opt = new AdamW(params, (float) cfg.adamBeta1(), (float) cfg.adamBeta2(), (float) cfg.adamEpsilon(), (float) cfg.weightDecay());
        long total = totalSteps();
        long warmup = LrSchedule.warmupSteps(total, cfg.warmupRatio(), cfg.warmupSteps());
        ObjectNode settings = JSON.createObjectNode().put("num_samples", samples.size()).put("batch_size", cfg.batchSize())
                .put("gradient_accumulation_steps", cfg.gradientAccumulationSteps()).put("seed", cfg.seed()).put("total_steps", total);

        Checkpoints.removeUnfinished(cfg.outputDir());
        Checkpoints.Position pos = new Checkpoints.Position(0, 0, 0);
        if (!cfg.resume() && !Checkpoints.list(cfg.outputDir()).isEmpty()) {
            throw new IllegalArgumentException("output folder " + cfg.outputDir() + " already has checkpoints: pass --resume to continue, or use another folder");
        }
        if (cfg.resume()) {
            Optional<java.nio.file.Path> last = Checkpoints.latest(cfg.outputDir());
            if (last.isPresent()) {
                pos = Checkpoints.restore(last.get(), settings, params, opt, model);
                if (progressOut != null) progressOut.println("llava4j: resuming from " + last.get() + " (step " + pos.step() + " of " + total + ")");
            }
        }
        for (Param p : params) p.zeroGrad();

        int microPerEpoch = microBatchesPerEpoch();
        int accum = cfg.gradientAccumulationSteps();
        long step = pos.step();
        int epoch = pos.epoch(), micro = pos.microBatch();
        int[] perm = orderOf(epoch);
        List<StepRecord> records = new ArrayList<>();
        ProgressBar bar = progressOut == null ? null : new ProgressBar(progressOut, terminal, cfg.loggingSteps(), step, total);
        long t0 = System.nanoTime();
        try (StepLog log = cfg.logFile() == null ? null : StepLog.open(cfg.logFile(), step)) {
            while (step < total) {
                long stepStart = System.nanoTime();
                int k = Math.min(accum, microPerEpoch - micro);
                float scale = 1f / k;
                double loss = 0;
                long tokens = 0;
                for (int j = 0; j < k; j++) {
                    List<S> batch = batch(perm, micro + j);
                    loss += model.forwardBackward(batch, scale);
                    tokens += model.tokens(batch);
                }
                loss /= k;
                micro += k;
                double epochProgress = epoch + (double) micro / microPerEpoch;
                if (micro == microPerEpoch) {
                    epoch++;
                    micro = 0;
                    perm = orderOf(epoch);
                }
                double gradNorm = GradClip.clipByGlobalNorm(params, cfg.maxGradNorm());
                double factor = cfg.schedule().factor(step, warmup, total);
                double lr = cfg.learningRate() * factor;
                Map<String, Double> groups = new java.util.HashMap<>();
                cfg.groupLearningRates().forEach((g, base) -> groups.put(g, base * factor));
                opt.step(lr, groups);
                for (Param p : params) p.zeroGrad();
                step++;
                StepRecord r = new StepRecord(step, loss, lr, gradNorm, tokens, (System.nanoTime() - stepStart) / 1e9, epochProgress);
                records.add(r);
                if (log != null) log.write(r);
                if (bar != null) bar.update(r);
                if (cfg.saveSteps() > 0 && step % cfg.saveSteps() == 0) {
                    Checkpoints.write(cfg.outputDir(), new Checkpoints.Position(step, epoch, micro), settings, params, opt, model, hook);
                    Checkpoints.prune(cfg.outputDir(), cfg.saveTotalLimit());
                }
            }
        }
        hook.save(cfg.outputDir());
        return new Result(pos.step(), total, List.copyOf(records), (System.nanoTime() - t0) / 1e9);
    }

    private int[] orderOf(int epoch) {
        int[] p = order.order(epoch);
        if (p.length != samples.size()) throw new IllegalStateException("the data order of epoch " + epoch + " has " + p.length + " entries for " + samples.size() + " samples");
        return p;
    }

    /** Micro-batch {@code index} of the epoch whose order is {@code perm}. */
    private List<S> batch(int[] perm, int index) {
        int from = index * cfg.batchSize(), to = Math.min(from + cfg.batchSize(), perm.length);
        List<S> b = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) b.add(samples.get(perm[i]));
        return b;
    }
}
