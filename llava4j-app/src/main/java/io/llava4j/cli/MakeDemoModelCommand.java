package io.llava4j.cli;

import io.llava4j.train.demo.DemoModel;
import io.llava4j.train.demo.DemoModelSpec;
import io.llava4j.train.demo.DemoTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llava4j make-demo-model --out DIR [--seed S]}: the demo model's folder with random weights, ready for training. */
@Command(name = "make-demo-model", mixinStandardHelpOptions = true,
        description = "Write the demo LLaVA model (small CLIP ViT + small LLaMA, its own tokenizer) with random initial weights.")
final class MakeDemoModelCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created; must not hold a model).") Path out;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial weights (default ${DEFAULT-VALUE}).") long seed;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out.resolve("model.safetensors"))) throw new IllegalArgumentException(out.resolve("model.safetensors") + " already exists");
        DemoModelSpec spec = DemoModelSpec.defaults();
        DemoTokenizer.Built tok = DemoModel.defaultTokenizer();
        DemoModel.write(out, spec, tok, seed);
        System.err.printf("llava4j: wrote the demo model (%.2f M parameters, vocab %d, %d image tokens) to %s%n",
                spec.parameters(tok.vocabSize()) / 1e6, tok.vocabSize(), spec.imageTokens(), out);
        return 0;
    }
}
