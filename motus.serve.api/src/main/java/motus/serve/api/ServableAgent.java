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

    /**
     * Gets ready for a turn before its message exists: build clients, load prompts, run the
     * framework's code paths once (its JSON mapping, say) so that the turn finds them warm.
     *
     * <p>A spare worker calls it once, after resolving the agent and before its message
     * arrives; a worker started for a message that is already waiting skips it, so it is never
     * in a turn's way unless the message arrives while it runs (the turn then starts when it
     * returns). It must not do anything a user could see: no model calls that cost, no side
     * effects. If it throws, that worker's turn fails with {@code Agent prepare failed: ...}.
     * Default: nothing.
     *
     * @throws Exception any failure; reported as that turn's error
     */
    default void prepare() throws Exception {
    }
}
