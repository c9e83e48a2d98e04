package motus.serve.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The assistant example as the README's quick start serves it: the image's fake endpoint script,
 * the agent from {@code examples/assistant/*}, and the chat client; a tool-using question, the
 * session's messages in wire format, a second turn that sees the first, and an approval.
 */
class AssistantIT {

    private static final Pattern BASE_URL = Pattern.compile("OPENAI_BASE_URL=(\\S+)");
    private static final Path ASSISTANT = Motus.IMAGE.resolve("examples/assistant");

    @TempDir
    Path dir;
    private Process endpoint;

    @BeforeEach
    void startTheFakeEndpoint() {
        try {
            endpoint = new ProcessBuilder(ASSISTANT.resolve("fake-openai").toString(), "0").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("the image has no runnable examples/assistant/fake-openai", e);
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        endpoint.destroy();
        endpoint.waitFor(10, TimeUnit.SECONDS);
    }

    /** From the class path, as documented; from the module path too, LangChain4j's jars as automatic modules. */
    @ParameterizedTest
    @ValueSource(strings = {"--class-path", "--module-path"})
    void theAssistantAnswersWithItsToolsAndRemembersTheConversation(String path) throws Exception {
        String baseUrl = baseUrl();
        try (Motus server = Motus.start(dir, Map.of("OPENAI_BASE_URL", baseUrl, "OPENAI_API_KEY", "sk-fake"),
                "serve", "start", "com.example.assistant.AssistantAgent", path, ASSISTANT + "/*",
                "--host", "127.0.0.1", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.awaitPort(Duration.ofMinutes(1));

            Motus.Result first = Motus.run(dir, "", "serve", "chat", url, "--keep", "What is 2 + 3?");
            assertEquals(0, first.exitCode(), first.output() + server.output());
            assertTrue(first.output().contains("Here you are: 5."), first.output());
            Matcher session = Pattern.compile("Session: (\\S+)").matcher(first.output());
            assertTrue(session.find(), first.output());
            String id = session.group(1);

            JsonNode messages = new ObjectMapper().readTree(Motus.get(url + "/sessions/" + id + "/messages"));
            assertEquals(4, messages.size(), messages.toPrettyString());
            JsonNode call = messages.get(1).get("tool_calls").get(0);
            assertEquals("function", call.get("type").asText());
            assertEquals("add", call.get("function").get("name").asText());
            assertEquals(Map.of("a", 2, "b", 3), new ObjectMapper().readValue(call.get("function").get("arguments").asText(), Map.class));
            assertEquals("tool", messages.get(2).get("role").asText());
            assertEquals(call.get("id").asText(), messages.get(2).get("tool_call_id").asText());
            assertEquals("add", messages.get(2).get("name").asText());
            assertEquals("5", messages.get(2).get("content").asText());
            assertEquals("Here you are: 5.", messages.get(3).get("content").asText());

            Motus.Result second = Motus.run(dir, "", "serve", "chat", url, "--session", id, "Thanks!");
            assertTrue(second.output().contains("I was sent 4 earlier messages"), second.output());

            Motus.Result note = Motus.run(dir, "y\n", "serve", "chat", url, "--session", id, "Remember that the door code is 1234");
            assertTrue(note.output().contains("[approval] Agent wants to call: save_note"), note.output());
            assertTrue(note.output().contains("Here you are: Saved: the door code is 1234."), note.output());
        }
    }

    /** The endpoint's address, from the line the script prints once it listens. */
    private String baseUrl() throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(endpoint.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return lines.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(1, TimeUnit.MINUTES);
        Matcher url = BASE_URL.matcher(String.valueOf(line));
        assertTrue(url.find(), "the fake endpoint said: " + line);
        return url.group(1);
    }
}
