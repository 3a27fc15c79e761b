package io.llava4j.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.llava4j.model.LoadOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.llava4j.server.ConcurrencyTest.dataUrl;
import static io.llava4j.server.Expected.LANDSCAPE;
import static io.llava4j.server.Expected.PORTRAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK and LangChain4j's OpenAI module against the real server (API key on): image parts,
 * streaming and not, usage; the answers are the engine's greedy output for the same request.
 */
class SdkClientsTest {
    static final String KEY = "sk-llava4j-test";
    static OpenAiServer server;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        server = new OpenAiServer(Expected.MODEL, LoadOptions.defaults(), ServerConfig.defaults().withPort(0).withApiKeys(Set.of(KEY))).start();
        assertTrue(server.awaitReady(60_000), "model loads");
        base = "http://127.0.0.1:" + server.port() + "/v1";
    }

    @AfterAll
    static void stop() { server.close(); }

    static OpenAIClient openai(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base).apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    static ChatCompletionCreateParams.Builder imageQuestion(String text, String imageUrl, long maxTokens) {
        return ChatCompletionCreateParams.builder()
                .model("llava-1.5-tiny")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(imageUrl)
                                        .detail(ChatCompletionContentPartImage.ImageUrl.Detail.AUTO).build())
                                .build()),
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text(text).build())))
                .maxCompletionTokens(maxTokens)
                .temperature(0.0);
    }

    @Test
    @Timeout(120)
    void openAiJavaSdk() {
        OpenAIClient client = openai(KEY);
        try {
            List<Model> models = client.models().list().data();
            assertEquals("llava-1.5-tiny", models.get(0).id());

            String expected = Expected.greedy("What is shown in this image?", 12, List.of(LANDSCAPE));
            ChatCompletion c = client.chat().completions().create(imageQuestion("What is shown in this image?", dataUrl(LANDSCAPE), 12).build());
            assertEquals(expected, c.choices().get(0).message().content().orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, c.choices().get(0).finishReason());
            assertEquals(12, c.usage().orElseThrow().completionTokens());
            System.out.println("[openai-java] " + c.choices().get(0).message().content().orElseThrow());

            String expected2 = Expected.greedy("Describe the picture.", 10, List.of(PORTRAIT));
            StringBuilder sb = new StringBuilder();
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    imageQuestion("Describe the picture.", dataUrl(PORTRAIT), 10)
                            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
                stream.stream().forEach(chunk -> {
                    chunks.add(chunk);
                    chunk.choices().forEach(ch -> ch.delta().content().ifPresent(sb::append));
                });
            }
            assertEquals(expected2, sb.toString());
            assertTrue(chunks.size() > 3, "streamed in chunks: " + chunks.size());
            assertEquals(10, chunks.getLast().usage().orElseThrow().completionTokens());

            BadRequestException bad = assertThrows(BadRequestException.class,
                    () -> client.chat().completions().create(imageQuestion("What?", "data:image/png;base64,%%%", 4).build()));
            assertEquals(400, bad.statusCode());
            assertTrue(bad.getMessage().contains("base64"), bad.getMessage());
            NotFoundException nf = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                    imageQuestion("What?", dataUrl(LANDSCAPE), 4).model("gpt-4o").build()));
            assertEquals(404, nf.statusCode());
        } finally {
            client.close();
        }
        OpenAIClient wrong = openai("sk-wrong");
        try {
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> wrong.models().list());
            assertEquals(401, e.statusCode());
        } finally {
            wrong.close();
        }
    }

    @Test
    @Timeout(120)
    void langChain4jOpenAi() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(Files.readAllBytes(LANDSCAPE));
        UserMessage question = UserMessage.from(ImageContent.from(b64, "image/png"), TextContent.from("What is shown in this image?"));
        String expected = Expected.greedy("What is shown in this image?", 12, List.of(LANDSCAPE));

        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base).apiKey(KEY).modelName("llava-1.5-tiny")
                .temperature(0.0).maxTokens(12).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        ChatResponse r = chat.chat(question);
        assertEquals(expected, r.aiMessage().text());
        assertEquals(12, r.tokenUsage().outputTokenCount());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey(KEY)
                .modelName("llava-1.5-tiny").temperature(0.0).maxTokens(12).timeout(Duration.ofSeconds(60)).build();
        List<String> partials = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(List.of(question), new StreamingChatResponseHandler() {
            @Override public void onPartialResponse(String partial) { partials.add(partial); }
            @Override public void onCompleteResponse(ChatResponse response) { done.complete(response); }
            @Override public void onError(Throwable error) { done.completeExceptionally(error); }
        });
        ChatResponse sr = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected, String.join("", partials));
        assertEquals(expected, sr.aiMessage().text());
        assertTrue(partials.size() > 3, "streamed in pieces: " + partials);
        assertEquals(12, sr.tokenUsage().outputTokenCount(), "usage from the include_usage chunk");
        System.out.println("[langchain4j] " + sr.aiMessage().text());
    }
}
