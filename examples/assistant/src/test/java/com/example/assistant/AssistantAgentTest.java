package com.example.assistant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;
import motus.serve.api.spi.TurnStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The assistant against the fake endpoint, over real HTTP, with the turn's host stood in for. */
class AssistantAgentTest {

    private static FakeOpenAi endpoint;
    private static AssistantAgent agent;

    @BeforeAll
    static void start() throws Exception {
        endpoint = FakeOpenAi.start(0);
        Map<String, String> environment = Map.of(
                "OPENAI_BASE_URL", "http://127.0.0.1:" + endpoint.port() + "/v1", "OPENAI_API_KEY", "sk-test");
        agent = new AssistantAgent(environment::get);
        agent.prepare();
    }

    @AfterAll
    static void stop() {
        endpoint.close();
    }

    @Test
    void itAddsWithItsToolAndStreamsTheAnswer() throws Exception {
        TurnStandIn turn = new TurnStandIn("test");
        TurnResult result;
        try (var scope = Turn.use(turn)) {
            result = agent.runTurn(ChatMessage.user("What is 2.5 + 3?"), List.of());
        }
        assertEquals("Here you are: 5.5.", result.response().content());
        assertEquals("Here you are: 5.5.", String.join("", turn.deltas()));
        List<ChatMessage> state = result.state();
        assertEquals(List.of("user", "assistant", "tool", "assistant"), state.stream().map(ChatMessage::role).toList());
        assertEquals("add", state.get(1).toolCalls().getFirst().function().name());
        assertEquals(ChatMessage.tool("5.5", state.get(1).toolCalls().getFirst().id(), "add"), state.get(2));
    }

    @Test
    void itSavesANoteOnlyWithTheUsersApproval() throws Exception {
        TurnStandIn approving = new TurnStandIn("test").answering(question -> Map.of("approved", true));
        try (var scope = Turn.use(approving)) {
            TurnResult saved = agent.runTurn(ChatMessage.user("Remember that the door code is 1234"), List.of());
            assertEquals("Here you are: Saved: the door code is 1234.", saved.response().content());
        }
        assertEquals(Map.of("type", "tool_approval", "tool_name", "save_note",
                "tool_args", Map.of("text", "the door code is 1234")), approving.interrupts().getFirst());

        TurnStandIn rejecting = new TurnStandIn("test").answering(question -> Map.of("approved", false));
        try (var scope = Turn.use(rejecting)) {
            TurnResult refused = agent.runTurn(ChatMessage.user("Remember that I said no"), List.of());
            assertTrue(refused.response().content().contains("rejected"), refused.response().content());
        }
    }

    @Test
    void theNextTurnSeesTheConversationSoFar() throws Exception {
        List<ChatMessage> history = List.of(ChatMessage.user("hi"), ChatMessage.assistant("hello"));
        try (var scope = Turn.use(new TurnStandIn("test"))) {
            TurnResult result = agent.runTurn(ChatMessage.user("still there?"), history);
            assertEquals("You said: \"still there?\". I was sent 2 earlier messages of this conversation.",
                    result.response().content());
        }
    }
}
