package com.example.assistant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;
import motus.serve.api.spi.TurnStandIn;
import motus.serve.server.AgentServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The assistant asks another served agent over A2A: a real server serves the echo example, and
 * the assistant's model (the fake endpoint) calls {@code ask_agent}.
 */
class RemoteAgentTest {

    private static FakeOpenAi endpoint;
    private static AgentServer other;
    private static AssistantAgent agent;

    @BeforeAll
    static void start() throws Exception {
        Path echo = Path.of(System.getProperty("echo.agent", "../echo/target/classes"));
        assertTrue(Files.exists(echo), "the echo example is built at " + echo);
        other = AgentServer.builder().agent("com.example.echo.EchoAgent").modulePath(List.of(echo))
                .apiKey("other-key").maxWorkers(1).build().start("127.0.0.1", 0);
        endpoint = FakeOpenAi.start(0);
        Map<String, String> environment = Map.of(
                "OPENAI_BASE_URL", "http://127.0.0.1:" + endpoint.port() + "/v1", "OPENAI_API_KEY", "sk-test",
                "REMOTE_AGENT_URL", "http://127.0.0.1:" + other.port(), "REMOTE_AGENT_KEY", "other-key");
        agent = new AssistantAgent(environment::get);
        agent.prepare();
    }

    @AfterAll
    static void stop() {
        endpoint.close();
        other.stop();
    }

    @Test
    void itAsksTheOtherAgentAndAnswersWithWhatItSaid() throws Exception {
        TurnResult first;
        TurnResult second;
        try (var scope = Turn.use(new TurnStandIn("conversation-1"))) {
            first = agent.runTurn(ChatMessage.user("Ask the agent: what is the capital of France?"), List.of());
            second = agent.runTurn(ChatMessage.user("Ask the agent: and of Spain?"), first.state());
        }
        assertEquals("Here you are: what is the capital of France?.", first.response().content(),
                "the echo agent's answer, through the tool");
        assertEquals("Here you are: and of Spain?.", second.response().content());
        assertEquals("ask_agent", first.state().get(1).toolCalls().getFirst().function().name());
        HttpResponse<String> sessions = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + other.port() + "/sessions"))
                .header("Authorization", "Bearer other-key").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("[{\"session_id\":\"assistant-conversation-1\",\"total_messages\":4,\"status\":\"idle\"}]",
                sessions.body(), "both questions went to one context of the other agent, named after this session");
    }
}
