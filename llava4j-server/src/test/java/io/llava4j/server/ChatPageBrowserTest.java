package io.llava4j.server;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.llava4j.model.LoadOptions;
import io.llava4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page in a real browser (Playwright driving Debian's chromium, no browser download): upload an image, ask,
 * and see a streamed answer appear. Screenshot: llava4j-server/target/chat-page.png. .ci/run installs chromium.
 */
class ChatPageBrowserTest {
    @Test
    void uploadAskAndSeeAStreamedAnswer() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("LLAVA4J_CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) throw new IllegalStateException("chromium not found at " + chromium + " (.ci/run installs it; set LLAVA4J_CHROMIUM)");
        Path model = Fixtures.dir("llava-1.5-tiny");
        try (OpenAiServer server = new OpenAiServer(model, LoadOptions.defaults(), ServerConfig.defaults().withPort(0)).start()) {
            assertTrue(server.awaitReady(60_000));
            try (Playwright pw = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
                 Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(chromium).setHeadless(true)
                         .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")))) {
                // the page forbids eval (CSP); Playwright evaluates its wait predicates as strings
                Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 700).setBypassCSP(true));
                page.navigate("http://127.0.0.1:" + server.port() + "/");
                page.waitForFunction("document.getElementById('model').textContent === 'llava-1.5-tiny'");
                page.setInputFiles("#file", model.resolve("golden/img_landscape_200x150.png"));
                page.waitForFunction("document.getElementById('pending').textContent.includes('1 attached')");
                page.fill("#temperature", "0");
                page.fill("#max_tokens", "8");
                page.fill("#text", "What is shown in this image?");
                page.click("#send");
                page.waitForFunction("document.querySelectorAll('.msg.assistant').length === 1 && document.querySelector('.msg.assistant').textContent.length > 0"
                        + " && !document.getElementById('send').disabled");
                String answer = page.textContent(".msg.assistant");
                assertFalse(answer.isBlank());
                assertTrue(page.querySelectorAll(".msg.error").isEmpty(), "no error shown");
                assertTrue(page.querySelector(".msg.user img") != null, "the uploaded image is shown in the conversation");
                Path shot = Path.of("target", "chat-page.png");
                page.screenshot(new Page.ScreenshotOptions().setPath(shot));
                System.out.println("[browser] answer: " + answer + " (screenshot " + shot.toAbsolutePath() + ")");
            }
        }
    }
}
