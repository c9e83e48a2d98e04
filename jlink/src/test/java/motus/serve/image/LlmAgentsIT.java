package motus.serve.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import motus.bench.agents.FakeModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real LLM agents served by the image with no worker option: a LangChain4j assistant with a tool
 * (its HTTP client is java.net.http, which a worker once lacked) and agents on the official
 * OpenAI and Anthropic Java SDKs (OkHttp, Kotlin, Jackson modules), each answering a tool-using question
 * against fake model endpoints on loopback, with keys from the server's environment; from the
 * class path and from the module path (LangChain4j's from the module path is AssistantIT's).
 */
class LlmAgentsIT {

    private static final Path BUILT = Path.of(System.getProperty("motus.llm.agents", "../bench/llm-agents/target"));
    private static FakeModels models;

    @TempDir
    Path dir;

    @BeforeAll
    static void startTheFakeModels() throws IOException {
        models = FakeModels.start(0);
    }

    @AfterAll
    static void stop() {
        models.close();
    }

    /**
     * From the module path every jar is an automatic module; OkHttp's {@code okio} comes as two
     * jars of that name, one of them empty, which the server leaves out (ModulePathEntries).
     */
    @ParameterizedTest(name = "{0} from the {1}")
    @CsvSource({
        "motus.bench.agents.LangChainAgent, --class-path",
        "motus.bench.agents.OpenAiAgent, --class-path",
        "motus.bench.agents.AnthropicAgent, --class-path",
        "motus.bench.agents.OpenAiAgent, --module-path",
        "motus.bench.agents.AnthropicAgent, --module-path"})
    void anLlmAgentWithAToolServes(String agent, String path) throws Exception {
        String base = "http://127.0.0.1:" + models.port();
        Map<String, String> environment = Map.of(
                "OPENAI_BASE_URL", base + "/v1", "OPENAI_API_KEY", "sk-fake",
                "ANTHROPIC_BASE_URL", base, "ANTHROPIC_API_KEY", "sk-ant-fake");
        try (Motus server = Motus.start(dir, environment, "serve", "start", agent, path, agentPath(),
                "--host", "127.0.0.1", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.awaitPort(Duration.ofMinutes(1));
            long before = models.calls();
            Motus.Result chat = Motus.run(dir, "", "serve", "chat", url, "What is 2 + 3?");
            assertEquals(0, chat.exitCode(), chat.output() + server.output());
            assertTrue(chat.output().contains("2 + 3 = 5"), chat.output());
            assertEquals(2, models.calls() - before, "a call that asks for the tool, and one with its result");
        }
    }

    private static String agentPath() throws IOException {
        try (Stream<Path> libraries = Files.list(BUILT.resolve("lib"))) {
            return Stream.concat(Stream.of(BUILT.resolve("motus-bench-llm-agents-0.1.0-SNAPSHOT.jar")), libraries.sorted())
                    .map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(":"));
        }
    }
}
