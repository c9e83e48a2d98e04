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
     * <p>Where the server restores workers from a snapshot ({@code worker-snapshots}), it calls
     * this once, in the template that every worker is then a copy of, so whatever it leaves in
     * memory is in every copy, byte for byte. So it must not: seed a {@code java.util.Random}
     * or a {@code SecureRandom} of its own (every copy would draw the same numbers; the JDK's
     * shared generators are reseeded in each copy); open network connections (they are closed
     * in the copies; a client that reconnects on its own is fine); start timers or threads whose
     * work must not happen once per copy. Do such things in {@link #restored()}.
     *
     * @throws Exception any failure; reported as that turn's error
     */
    default void prepare() throws Exception {
    }

    /**
     * Runs in each worker restored from a snapshot, once, before its turn's message arrives:
     * reopen what {@link #prepare()} could not leave open, reseed what must differ per worker.
     * Never called in a worker that was started rather than restored. If it throws, that worker's
     * turn fails with {@code Agent restored failed: ...}. Default: nothing.
     *
     * @throws Exception any failure; reported as that turn's error
     */
    default void restored() throws Exception {
    }
}
