package com.example.notes;

import java.util.List;
import java.util.Map;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.Turn;
import motus.serve.api.TurnResult;

/**
 * Keeps notes: "remember buy milk" adds one, "forget" drops them all once a human approves, and
 * anything else lists them. Each turn runs in a fresh process, so the notes can only come from
 * the state the server hands back: the conversation.
 */
public final class NotesAgent implements ServableAgent {

    private static final String REMEMBER = "remember ";

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        String text = message.content() == null ? "" : message.content().strip();
        String reply;
        List<String> notes = state.stream()
                .filter(m -> ChatMessage.USER.equals(m.role()) && m.content() != null && m.content().startsWith(REMEMBER))
                .map(m -> "- " + m.content().substring(REMEMBER.length()).strip())
                .toList();
        if (text.startsWith(REMEMBER)) {
            reply = "Noted: " + text.substring(REMEMBER.length()).strip();
        } else if (text.equals("forget")) {
            // The session pauses here until a client approves or rejects (POST /sessions/{id}/resume).
            if (Turn.approveTool("forget_notes", Map.of("notes", notes.size()))) {
                return TurnResult.append(List.of(), message, ChatMessage.assistant("Forgot " + notes.size() + " notes."));
            }
            reply = "Kept your notes.";
        } else {
            reply = notes.isEmpty()
                    ? "No notes yet. Say \"remember <something>\"."
                    : notes.size() + (notes.size() == 1 ? " note:\n" : " notes:\n") + String.join("\n", notes);
        }
        return TurnResult.append(state, message, ChatMessage.assistant(reply));
    }
}
