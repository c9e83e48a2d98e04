package motus.serve.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One conversation, as its {@link SessionStore} keeps it. Each operation loads the session's
 * record, asks {@link SessionRules} and saves the result in one atomic step, whether the
 * session lives in this process or in a database that several servers share.
 */
public interface Session {

    /**
     * Where a sent message went: the turn it started (which runs through {@link TurnControl}) and
     * that turn's events, or its place in the queue.
     */
    record Sent(@Nullable Turn started, @Nullable EventLog events, int queuedAt) {
    }

    String id();

    /** The session as it is now. */
    SessionView view();

    /** The conversation so far. */
    List<ChatMessage> state();

    /**
     * Sends a message: starts a turn, or with a turn running, does what {@code strategy} says.
     *
     * @throws SessionException {@code RUNNING}, {@code INTERRUPTED}, {@code QUEUE_FULL}, or
     *                          {@code NOT_FOUND} if the session was deleted meanwhile
     */
    Sent send(Incoming incoming, MultitaskStrategy strategy);

    /**
     * Commits a turn's outcome, unless the turn is no longer the session's (deleted, replaced,
     * or ended by the store because the server running it stopped). A queued message starts
     * the next turn.
     *
     * @return the session as the turn left it, which waiters and the webhook report; null if
     *         the outcome was discarded
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
     * runs; with none left the session is running again.
     *
     * @return the session's status after it: {@code running}, or {@code interrupted} while others are pending
     * @throws SessionException {@code NOT_FOUND}, {@code NOT_INTERRUPTED} or {@code UNKNOWN_INTERRUPT}
     */
    SessionStatus resume(String interruptId, JsonNode value);

    /**
     * Asks the session's turn, wherever it runs, to end with {@code reason}: its worker dies
     * and the turn ends in {@code error} with the state unchanged.
     *
     * @param turnId the turn meant ({@link TurnSummary#id}); null: whichever runs
     * @return the cancelled turn's number, for {@link #awaitTurnEnd}
     * @throws SessionException {@code NOT_FOUND}, or {@code NOT_RUNNING} if no turn runs, or not that one
     */
    long cancel(String reason, @Nullable String turnId);

    /** The events of the latest turn, or for a session that has had none, a log with only its {@code done}. */
    EventLog events();

    /**
     * Waits while the turn running now runs, at most {@code timeoutNanos} (negative: no limit):
     * until it ends (with a queue, the next one may have started: the answer is how this one
     * ended) or is interrupted.
     *
     * @throws SessionException {@code NOT_FOUND} if the session is deleted while waiting
     */
    SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException;

    /**
     * Waits until turn {@code number} has ended (a queued turn may run since), at most
     * {@code timeoutNanos} (negative: no limit).
     *
     * @return the session as that turn left it
     * @throws SessionException {@code NOT_FOUND} if the session is deleted while waiting
     */
    SessionView awaitTurnEnd(long number, long timeoutNanos) throws InterruptedException;
}
