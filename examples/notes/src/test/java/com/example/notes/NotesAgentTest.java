package com.example.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;
import motus.serve.api.spi.TurnStandIn;
import org.junit.jupiter.api.Test;

/** An agent that asks a human, tested without a server: a stand-in answers its interrupts. */
class NotesAgentTest {

    private static final List<ChatMessage> TWO_NOTES = List.of(
            ChatMessage.user("remember milk"), ChatMessage.assistant("Noted: milk"),
            ChatMessage.user("remember bread"), ChatMessage.assistant("Noted: bread"));

    @Test
    void forgetsOnlyWhenApproved() throws Exception {
        TurnStandIn turn = new TurnStandIn("test").answering(payload -> Map.of("approved", true));
        try (var scope = Turn.use(turn)) {
            TurnResult result = new NotesAgent().runTurn(ChatMessage.user("forget"), TWO_NOTES);
            assertEquals("Forgot 2 notes.", result.response().content());
            assertEquals(2, result.state().size(), "only the forget exchange is left");
        }
        Map<String, ?> asked = turn.interrupts().getFirst();
        assertEquals("tool_approval", asked.get("type"));
        assertEquals("forget_notes", asked.get("tool_name"));
        assertEquals(Map.of("notes", 2), asked.get("tool_args"));
    }

    @Test
    void keepsTheNotesWhenRejected() throws Exception {
        try (var scope = Turn.use(new TurnStandIn("test").answering(payload -> Map.of("approved", false)))) {
            TurnResult result = new NotesAgent().runTurn(ChatMessage.user("forget"), TWO_NOTES);
            assertEquals("Kept your notes.", result.response().content());
            assertEquals(6, result.state().size());
        }
    }
}
