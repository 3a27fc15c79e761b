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
    @Option(names = "--image-size", description = "Image side in pixels (default: the demo spec's).") Integer imageSize;
    @Option(names = "--patch", description = "ViT patch side in pixels (default: the demo spec's).") Integer patch;
    @Option(names = "--vision-hidden", description = "ViT width (default: the demo spec's).") Integer visionHidden;
    @Option(names = "--vision-layers", description = "ViT layers (default: the demo spec's).") Integer visionLayers;
    @Option(names = "--hidden", description = "LLaMA width (default: the demo spec's).") Integer hidden;
    @Option(names = "--layers", description = "LLaMA layers (default: the demo spec's).") Integer layers;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out.resolve("model.safetensors"))) throw new IllegalArgumentException(out.resolve("model.safetensors") + " already exists");
        DemoModelSpec d = DemoModelSpec.defaults();
        int vh = visionHidden != null ? visionHidden : d.visionHidden(), h = hidden != null ? hidden : d.hidden();
        DemoModelSpec spec = new DemoModelSpec(imageSize != null ? imageSize : d.imageSize(), patch != null ? patch : d.patch(),
                vh, visionLayers != null ? visionLayers : d.visionLayers(), d.visionHeads(), 4 * vh,
                h, layers != null ? layers : d.layers(), d.heads(), 2 * h, d.maxPositions());
        DemoTokenizer.Built tok = DemoModel.defaultTokenizer();
        DemoModel.write(out, spec, tok, seed);
        System.err.printf("llava4j: wrote the demo model (%.2f M parameters, vocab %d, %d image tokens) to %s%n",
                spec.parameters(tok.vocabSize()) / 1e6, tok.vocabSize(), spec.imageTokens(), out);
        return 0;
    }
}
