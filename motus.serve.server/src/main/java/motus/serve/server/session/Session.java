package motus.serve.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One conversation, as its {@link SessionStore} keeps it. Each operation is one atomic step
 * of the lifecycle rules (one turn at a time, a deleted session never comes back, only the
 * current turn commits), whether the session lives in this process or in a database that
 * several servers share.
 */
public interface Session {

    String id();

    /** The session as it is now. */
    SessionView view();

    /** The conversation so far. */
    List<ChatMessage> state();

    /**
     * Starts a turn if the session is neither running nor interrupted: the contract's atomic 409 rule.
     *
     * @throws SessionException {@code RUNNING} or {@code INTERRUPTED}, or {@code NOT_FOUND} if the session was deleted meanwhile
     */
    Turn startTurn(ChatMessage message, @Nullable Webhook webhook);

    /**
     * Commits a turn's outcome, unless the turn is no longer the session's (deleted, or ended
     * by the store because the server running it stopped).
     *
     * @return the session as committed, the snapshot that waiters and the webhook report; null
     *         if the outcome was discarded
     */
    @Nullable SessionView commit(Turn finished, TurnOutcome outcome);

    /** The turn got its worker: clients following it see {@code started}. */
    void turnStarted(Turn started);

    /** Something the agent streamed ({@code delta}, {@code agent}), for clients following the turn. */
    void turnEvent(Turn reporting, String name, ObjectNode data);

    /**
     * The turn asks a client something: the session is {@code interrupted} until every pending
     * interrupt is answered. Long-polls wake.
     *
     * @return the session as it is now, or null if the turn is no longer the session's
     */
    @Nullable SessionView interrupt(Turn asking, Interrupt interrupt);

    /**
     * Takes a client's answer to one pending interrupt and hands it to the turn, wherever it
     * runs ({@link Turn#answer}); with none left the session is running again.
     *
     * @return the session's status after it: {@code running}, or {@code interrupted} while others are pending
     * @throws SessionException {@code NOT_FOUND}, {@code NOT_INTERRUPTED} or {@code UNKNOWN_INTERRUPT}
     */
    SessionStatus resume(String interruptId, JsonNode value);

    /**
     * Asks the session's turn, wherever it runs, to end with {@code reason}: its worker dies
     * and the session goes to {@code error} with its state unchanged.
     *
     * @throws SessionException {@code NOT_FOUND}, or {@code NOT_RUNNING} if no turn runs
     */
    void cancel(String reason);

    /** The events of the latest turn, or for a session that has had none, a log with only its {@code done}. */
    EventLog events();

    /**
     * Waits while the session is running, at most {@code timeoutNanos} (negative: no limit): until
     * the turn ends or is interrupted.
     *
     * @throws SessionException {@code NOT_FOUND} if the session is deleted while waiting
     */
    SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException;

    /** Waits until the turn has ended, interrupted or not; see {@link #awaitNotRunning}. */
    SessionView awaitTurnEnd(long timeoutNanos) throws InterruptedException;
}
