package io.llava4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llava4j.config.Json;
import io.llava4j.engine.Generator;
import io.llava4j.format.Npy;
import io.llava4j.generate.SamplingParams;
import io.llava4j.media.ImageDecoder;
import io.llava4j.media.RgbImage;
import io.llava4j.mm.MultimodalPrompt;
import io.llava4j.model.ModelRegistry;
import io.llava4j.model.VisionLanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The reference-check contract (keep stable): the prompt is used verbatim, tokenised as the family's processor
 * does; prints ONE JSON object with input_ids, last_top5, greedy_ids, greedy_text.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Run a verbatim prompt (no template) and print input ids, last-position top-5 and greedy tokens as JSON.")
final class ProbeCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--image", paramLabel = "FILE", description = "Image file (repeatable, in prompt order).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--video", paramLabel = "FILE_OR_DIR", description = "Video file, or a folder of frame images used in name order (repeatable).")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "Prompt text, used verbatim (media markers such as <image> included).")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "12", description = "Greedy tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--logits-out", paramLabel = "FILE.npy", description = "Write the last prompt position's logits as float32 .npy [vocab].")
    Path logitsOut;

    @Override
    public Integer call() throws Exception {
        model.require();
        try (VisionLanguageModel m = ModelRegistry.load(model.model, model.loadOptions())) {
            List<RgbImage> imgs = images.stream().map(ImageDecoder::decode).toList();
            List<List<RgbImage>> vids = Media.videos(videos, m, io.llava4j.media.FrameSampler.all());
            MultimodalPrompt p = m.prepare(prompt, imgs, vids);
            Generator.Result r = Generator.generate(m, p, SamplingParams.greedy().withMaxNewTokens(maxNewTokens), null);
            float[] logits = r.firstLogits();
            if (logitsOut != null) Npy.writeFloat32(logitsOut, logits, logits.length);
            ObjectNode o = Json.MAPPER.createObjectNode();
            ArrayNode ids = o.putArray("input_ids");
            for (int id : p.inputIds()) ids.add(id);
            ArrayNode top = o.putArray("last_top5");
            for (int id : io.llava4j.engine.TopK.of(logits, 5)) top.addArray().add(id).add(logits[id]);
            ArrayNode g = o.putArray("greedy_ids");
            for (int id : r.tokenIds()) g.add(id);
            o.put("greedy_text", m.tokenizer().decode(r.tokenIds(), false));
            o.put("greedy_text_skip_special", m.tokenizer().decode(r.tokenIds(), true));
            System.out.println(Json.MAPPER.writeValueAsString(o));
            return 0;
        }
    }
}
