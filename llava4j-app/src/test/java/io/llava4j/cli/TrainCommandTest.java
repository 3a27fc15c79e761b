package io.llava4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TrainCommandTest {
    @Test
    void helpListsTheSeedsFlags() {
        CliRunner.Result r = CliRunner.run(null, "train", "--help");
        assertEquals(0, r.exitCode());
        for (String f : List.of("--model_name_or_path", "--version", "--data_path", "--image_folder", "--tune_mm_mlp_adapter",
                "--pretrain_mm_mlp_adapter", "--lora_enable", "--lora_r", "--lora_alpha", "--mm_projector_lr", "--learning_rate",
                "--num_train_epochs", "--per_device_train_batch_size", "--gradient_accumulation_steps", "--warmup_ratio",
                "--lr_scheduler_type", "--model_max_length", "--image_aspect_ratio", "--weight_decay", "--max_steps",
                "--output_dir", "--save_steps", "--seed", "--log-file", "--resume")) {
            assertTrue(r.out().contains(f), f + " missing from help");
        }
    }

    @Test
    void validatesFlags(@TempDir Path tmp) throws Exception {
        Path data = Files.writeString(tmp.resolve("d.json"), "[]");
        String model = System.getProperty("llava4j.shared") + "/fixtures/llava-1.5-tiny";
        CliRunner.Result both = CliRunner.run(null, "train", "--model_name_or_path", model, "--data_path", data.toString(),
                "--output_dir", tmp.resolve("o").toString(), "--tune_mm_mlp_adapter", "True", "--lora_enable", "True");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().contains("exclude each other"), both.err());

        CliRunner.Result noData = CliRunner.run(null, "train", "--model_name_or_path", model, "--data_path", tmp.resolve("x.json").toString(),
                "--output_dir", tmp.resolve("o").toString());
        assertEquals(2, noData.exitCode());
        assertTrue(noData.err().startsWith("llava4j: --data_path"), noData.err());

        CliRunner.Result unknown = CliRunner.run(null, "train", "--model_name_or_path", model, "--data_path", data.toString(),
                "--output_dir", tmp.resolve("o").toString(), "--deepspeed", "zero3.json");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("--deepspeed"), unknown.err());

        CliRunner.Result ok = CliRunner.run(null, "train", "--model_name_or_path", model, "--version", "plain", "--data_path", data.toString(),
                "--output_dir", tmp.resolve("o").toString(), "--tune_mm_mlp_adapter", "--learning_rate", "1e-3",
                "--lr_scheduler_type", "cosine", "--warmup_ratio", "0.03");
        assertEquals(2, ok.exitCode());
        assertTrue(ok.err().contains("holds no samples") && ok.err().lines().count() == 1, ok.err());
    }

    @Test
    void trainsTheFixtureAndWritesAModelFolderAndLog(@TempDir Path tmp) throws Exception {
        Path fx = Path.of(System.getProperty("llava4j.shared"), "fixtures");
        Path train = fx.resolve("llava-1.5-tiny-train");
        Path out = tmp.resolve("out"), log = tmp.resolve("log.jsonl");
        CliRunner.Result r = CliRunner.run(null, "train", "--model_name_or_path", fx.resolve("llava-1.5-tiny-original-layout").toString(),
                "--version", "v1", "--data_path", train.resolve("llava_train_samples.json").toString(), "--image_folder", train.toString(),
                "--lora_enable", "True", "--lora_r", "4", "--lora_alpha", "8", "--learning_rate", "1e-3", "--per_device_train_batch_size", "2",
                "--max_steps", "2", "--image_aspect_ratio", "pad", "--output_dir", out.toString(), "--log-file", log.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = Files.readAllLines(log);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"loss\""), lines.get(0));
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_config.json")));
        CliRunner.Result chat = CliRunner.run(null, "probe", "--model", out.toString(), "--prompt", "Hello", "--max-new-tokens", "2");
        assertEquals(0, chat.exitCode(), chat.err());
    }
}
