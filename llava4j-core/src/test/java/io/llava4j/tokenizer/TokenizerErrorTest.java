package io.llava4j.tokenizer;

import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unusable folders and files give a one-line {@link TokenizerException} naming the file. */
class TokenizerErrorTest {

    @TempDir
    Path dir;

    @Test
    void folderWithoutTokenizerFiles() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        expect(dir, "no tokenizer file in " + dir);
    }

    @Test
    void missingFolder() {
        expect(dir.resolve("nope"), "does not exist");
    }

    @Test
    void randomBytesAsSentencePieceModel() throws IOException {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Files.write(dir.resolve("tokenizer.model"), junk);
        expect(dir, dir.resolve("tokenizer.model").toString());
    }

    @Test
    void truncatedSentencePieceModel() throws IOException {
        byte[] model = Files.readAllBytes(Fixtures.dir("tokenizers/llama2-vicuna").resolve("tokenizer.model"));
        Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(model, model.length / 2));
        expect(dir, dir.resolve("tokenizer.model").toString());
    }

    @Test
    void textFileAsSentencePieceModel() throws IOException {
        Files.writeString(dir.resolve("tokenizer.model"), "this is not a model\n");
        expect(dir, dir.resolve("tokenizer.model").toString());
    }

    @Test
    void brokenVocabJson() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": ");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\n");
        expect(dir, dir.resolve("vocab.json").toString());
    }

    @Test
    void vocabJsonWithoutMerges() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
        expect(dir, "merges.txt");
    }

    @Test
    void brokenMerges() throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b c\n");
        expect(dir, dir.resolve("merges.txt").toString());
    }

    @Test
    void brokenTokenizerConfig() throws IOException {
        Files.copy(Fixtures.dir("tokenizers/llama2-vicuna").resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{ \"legacy\": fals");
        expect(dir, dir.resolve("tokenizer_config.json").toString());
    }

    @Test
    void brokenTokenizerJson() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": [1, 2");
        expect(dir, dir.resolve("tokenizer.json").toString());
    }

    @Test
    void tokenizerJsonThatTokenizersRejects() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Nonsense\"}}");
        expect(dir, dir.resolve("tokenizer.json").toString());
    }

    private static void expect(Path folder, String inMessage) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.load(folder));
        System.out.println("error message: " + e.getMessage());
        assertTrue(e.getMessage().contains(inMessage), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
