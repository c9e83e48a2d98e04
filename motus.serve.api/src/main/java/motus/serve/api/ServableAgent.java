package motus.serve.api;

import java.util.List;

/**
 * An agent that motus serve can put behind HTTP.
 *
 * <p>Each turn runs in a fresh worker process: the agent gets the new message and the session's
 * history, and returns its reply together with the session's new history. Nothing survives
 * between turns but that returned state, so static fields and caches start empty every time.
 *
 * <p>A Java lambda or a Kotlin lambda is a {@code ServableAgent}.
 */
@FunctionalInterface
public interface ServableAgent {

    /**
     * Runs one turn of a conversation.
     *
     * @param message the new message, as the client sent it (role defaults to {@code user})
     * @param state the session's history before this turn, oldest first; empty on the first turn
     * @return the reply and the session's new state, by convention {@code state + [message, reply]}
     *         (see {@link TurnResult#append})
     * @throws Exception any failure; the session goes to {@code error} and keeps its old state
     */
    TurnResult runTurn(ChatMessage message, List<ChatMessage> state) throws Exception;
}
