package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * which {@code .ci/run} installs): chat, a streamed reply, an approval and a rejection, a
 * user-input answer, cancel, a reload that resumes the session, the sessions list, keyboard-only
 * use, a phone-sized window, and an API key. Screenshots of each state go to
 * {@code target/screenshots} (docs/ui holds the committed ones).
 */
class ChatPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of(System.getProperty("motus.screenshots", "target/screenshots"));

    private static RunningServer server;
    private static ChromeDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void start() throws IOException {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the page's tests need Chromium: apt-get install chromium chromium-driver (.ci/run does)");
        server = RunningServer.start(TestAgents.scripted().prewarm(1));
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,800");
        // Debian's driver, not one Selenium Manager would download.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.withMessage(ChatPageBrowserTest::pageState); // a timeout says what the page showed instead
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void freshPage() {
        browser.manage().window().setSize(new Dimension(1100, 800));
        browser.get(url("/ui/"));
        waitForText("status", "No session yet");
    }

    @Test
    void aChatWithTheAgentSurvivesAReload() throws IOException {
        send("hello there");
        awaitMessage("assistant", "hello there");
        String address = browser.getCurrentUrl();
        assertTrue(address.contains("#session="), address);
        screenshot("chat");

        browser.navigate().refresh();
        awaitMessage("assistant", "hello there");
        assertEquals(address, browser.getCurrentUrl());
        assertEquals(List.of("user: hello there", "assistant: hello there"), messages());
    }

    @Test
    void thePageSaysWhichAgentItServesAndWhereOtherClientsCallIt() {
        WebElement agent = browser.findElement(By.id("agent"));
        wait.until(d -> agent.getText().equals("ScriptedAgent"));
        assertEquals("ScriptedAgent · motus serve", browser.getTitle());
        browser.findElement(By.id("toggle-sessions")).click();
        String endpoints = browser.findElement(By.id("endpoints")).getText();
        assertTrue(endpoints.contains("/a2a") && endpoints.contains("/mcp"), endpoints);
    }

    @Test
    void toolCallsAndTheirResultsShowInTheHistory() {
        String id = server.api().post("/sessions", """
                {"state": [
                  {"role": "user", "content": "What is 2 + 3?"},
                  {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "add", "arguments": "{\\"a\\":2,\\"b\\":3}"}}]},
                  {"role": "tool", "content": "5", "tool_call_id": "call_1", "name": "add"},
                  {"role": "assistant", "content": "2 + 3 = 5"}]}""").expect(201).text("session_id");

        browser.get(url("/ui/#session=" + id));

        wait.until(d -> messages().size() == 4);
        assertEquals(List.of("user: What is 2 + 3?", "tool call: add({\"a\":2,\"b\":3})", "tool result (add): 5",
                "assistant: 2 + 3 = 5"), messages());
    }

    @Test
    void theReplyStreamsInAsItIsWritten() throws IOException {
        send("drip one two three four five six");
        WebElement streaming = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#messages li.streaming")));
        wait.until(d -> streaming.getText().contains("two"));
        assertEquals("running", status(), "part of the reply shows while the turn still runs");
        assertFalse(streaming.getText().contains("six"));
        screenshot("streaming");
        awaitMessage("assistant", "one two three four five six");
        assertEquals("idle", status());
    }

    @Test
    void aReloadInTheMiddleOfATurnFollowsItToItsEnd() {
        send("drip a b c d e f g h i j k l m n o p q r s t");
        WebElement streaming = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#messages li.streaming")));
        wait.until(d -> streaming.getText().contains("b"));

        browser.navigate().refresh();

        wait.until(d -> "running".equals(status()));
        awaitMessage("assistant", "a b c d e f g h i j k l m n o p q r s t");
        assertEquals("idle", status());
    }

    @Test
    void aToolCallIsApprovedThenAnotherRejected() throws IOException {
        send("approve delete_file");
        WebElement question = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts .interrupt")));
        assertTrue(question.getText().contains("Agent wants to call: delete_file"), question.getText());
        assertTrue(question.getText().contains("/tmp/notes.txt"), question.getText());
        assertEquals("interrupted", status());
        screenshot("approval");
        click("Approve");
        awaitMessage("assistant", "approved");

        send("approve rm");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts .interrupt")));
        click("Reject");
        awaitMessage("assistant", "rejected");
    }

    @Test
    void aReloadWhileTheTurnWaitsForAnApprovalStillShowsTheMessageThatAskedIt() {
        send("approve write_file");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts .interrupt")));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts .interrupt")));
        assertEquals(List.of("user: approve write_file"), messages(), "the turn's message, before the question");
        click("Approve");
        awaitMessage("assistant", "approved");
        assertEquals(List.of("user: approve write_file", "assistant: approved"), messages(), "shown once");
    }

    @Test
    void aQuestionIsAnsweredWithAnOptionOrFreeText() throws IOException {
        send("ask");
        WebElement question = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts fieldset")));
        assertTrue(question.getText().contains("Which color?"), question.getText());
        assertTrue(question.getText().contains("blue — cold"), question.getText());
        question.findElement(By.cssSelector("input[value=blue]")).click();
        screenshot("question");
        click("Answer");
        awaitMessage("assistant", "{answers={Which color?=blue}}");

        send("ask");
        WebElement again = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts fieldset")));
        again.findElement(By.cssSelector("input[type=text]")).sendKeys("teal");
        click("Answer");
        awaitMessage("assistant", "{answers={Which color?=teal}}");
    }

    @Test
    void aRunningTurnIsCancelled() throws IOException {
        send("sleep 60");
        wait.until(d -> "running".equals(status()));
        click("Cancel turn");
        wait.until(d -> "error".equals(status()));
        WebElement error = browser.findElement(By.id("error"));
        assertTrue(error.isDisplayed());
        assertEquals("Error: Turn cancelled", error.getText());
        screenshot("cancelled");
    }

    @Test
    void sessionsAreListedAndDeleted() {
        send("keep me");
        awaitMessage("assistant", "keep me");
        String id = browser.getCurrentUrl().replaceAll(".*#session=", "");
        browser.findElement(By.id("toggle-sessions")).click();
        WebElement delete = wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("button[aria-label='Delete session " + id + "']")));
        delete.click();
        waitForText("status", "Session deleted.");
        assertEquals(404, server.api().get("/sessions/" + id).status());
        wait.until(d -> d.findElements(By.cssSelector("button[aria-label='Delete session " + id + "']")).isEmpty());
    }

    @Test
    void theKeyboardAloneIsEnough() {
        WebElement message = browser.findElement(By.id("message"));
        message.sendKeys("approve write_file", Keys.ENTER);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#interrupts .interrupt")));
        // The question takes the focus: Enter on it approves.
        wait.until(d -> "Approve".equals(d.switchTo().activeElement().getText()));
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        awaitMessage("assistant", "approved");
    }

    @Test
    void onAPhoneSizedWindowNothingOverflows() throws IOException {
        browser.manage().window().setSize(new Dimension(390, 844));
        send("small screen");
        awaitMessage("assistant", "small screen");
        long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth;");
        assertTrue(overflow <= 0, "the page is wider than the window by " + overflow + " px");
        screenshot("phone");
    }

    @Test
    void aReplyIsRenderedFromMarkdownAndNothingInItRunsAsHtml() throws IOException {
        // Set, not typed: Enter in the box sends.
        ((JavascriptExecutor) browser).executeScript("document.getElementById('message').value = arguments[0];",
                "# Plan\n**bold**, `code`, snake_case and [docs](https://example.com) <img src=x onerror=\"document.title='owned'\">"
                        + "\n- one\n- two");
        browser.findElement(By.id("send")).click();
        WebElement reply = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#messages li.assistant .markdown")));
        assertEquals("bold", reply.findElement(By.cssSelector("strong")).getText());
        assertEquals("code", reply.findElement(By.cssSelector("code")).getText());
        assertEquals("Plan", reply.findElement(By.cssSelector("h3")).getText());
        assertEquals(2, reply.findElements(By.cssSelector("ul li")).size());
        WebElement link = reply.findElement(By.cssSelector("a"));
        assertEquals("https://example.com/", link.getDomProperty("href"));
        assertTrue(reply.getText().contains("snake_case"), "an underscore inside a word stays: " + reply.getText());
        assertTrue(reply.findElements(By.cssSelector("img")).isEmpty(), "the agent's HTML is text");
        assertTrue(reply.getText().contains("<img src=x"), reply.getText());
        assertTrue(!"owned".equals(browser.getTitle()));
        screenshot("markdown");
    }

    @Test
    void behindAnApiKeyThePageLoadsAndAsksForIt() {
        try (RunningServer locked = RunningServer.start(TestAgents.scripted().apiKey("s3cret"))) {
            browser.get("http://127.0.0.1:" + locked.server().port() + "/ui/");
            WebElement key = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
            assertTrue(browser.findElement(By.id("error")).getText().startsWith("401"), "says why");
            key.sendKeys("s3cret", Keys.ENTER);
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("key-form")));
            send("with a key");
            awaitMessage("assistant", "with a key");
        }
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.server().port() + path;
    }

    private static void send(String text) {
        WebElement message = browser.findElement(By.id("message"));
        message.clear();
        message.sendKeys(text);
        browser.findElement(By.id("send")).click();
    }

    private static void click(String label) {
        wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[normalize-space()='" + label + "']"))).click();
    }

    private static void awaitMessage(String role, String text) {
        wait.until(d -> messages().contains(role + ": " + text));
    }

    /** The conversation as shown, one "role: text" per message, the streaming one left out; read at once. */
    @SuppressWarnings("unchecked")
    private static List<String> messages() {
        return (List<String>) ((JavascriptExecutor) browser).executeScript("""
                return [...document.querySelectorAll('#messages > li:not(.streaming)')].map(item => {
                  const role = item.querySelector('.role').textContent;
                  return role + ': ' + item.textContent.slice(role.length).trim();
                });""");
    }

    /** What the page shows: its address, status, error and input, and the conversation. */
    private static String pageState() {
        try {
            return "the page at " + browser.getCurrentUrl() + " showed status '" + browser.findElement(By.id("status")).getText()
                    + "', error '" + browser.findElement(By.id("error")).getText() + "', input '"
                    + browser.findElement(By.id("message")).getDomProperty("value") + "', messages " + messages();
        } catch (RuntimeException e) {
            return "the page could not be read: " + e;
        }
    }

    private static String status() {
        return browser.findElement(By.id("status")).getDomAttribute("data-status");
    }

    private static void waitForText(String id, String text) {
        wait.until(d -> d.findElement(By.id(id)).getText().contains(text));
    }

    private static void screenshot(String name) throws IOException {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
