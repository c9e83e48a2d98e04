package motus.serve.server.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnOutcome;
import motus.serve.server.session.Webhook;
import motus.serve.server.turn.TurnRunner;
import org.jspecify.annotations.Nullable;

/**
 * One session, as a protocol acts on it: send a message (which starts and runs a turn), answer
 * the turn's questions, cancel it, follow it, wait for it. Got from {@link Conversations#get}.
 */
public final class Conversation {

    private final Session session;
    private final TurnRunner turns;
    private final Runnable refuseWhenStopping;

    Conversation(Session session, TurnRunner turns, Runnable refuseWhenStopping) {
        this.session = session;
        this.turns = turns;
        this.refuseWhenStopping = refuseWhenStopping;
    }

    public String id() {
        return session.id();
    }

    /** The session as it is now. */
    public SessionView view() {
        return session.view();
    }

    /** The conversation so far: the session's state. */
    public List<ChatMessage> messages() {
        return session.state();
    }

    /**
     * Starts a turn with {@code message} and runs it in the background.
     *
     * @return the new turn's events, from its start
     * @throws SessionException {@code RUNNING} or {@code INTERRUPTED} (one turn at a time),
     *                          {@code NOT_FOUND}, {@code SHUTTING_DOWN}
     */
    public EventLog send(ChatMessage message, @Nullable Webhook webhook) {
        refuseWhenStopping.run();
        turns.start(session, session.startTurn(message, webhook));
        return session.events();
    }

    /** The latest turn's events, from its start; see {@link Session#events}. */
    public EventLog events() {
        return session.events();
    }

    /**
     * Hands a client's answer to the interrupt it names, wherever the turn runs.
     *
     * @return {@code running}, or {@code interrupted} while other interrupts are pending
     * @throws SessionException {@code NOT_FOUND}, {@code NOT_INTERRUPTED} or {@code UNKNOWN_INTERRUPT}
     */
    public SessionStatus resume(String interruptId, JsonNode value) {
        return session.resume(interruptId, value);
    }

    /**
     * Ends the running or interrupted turn: its worker dies at once, and the session goes to
     * {@code error} with its state unchanged.
     *
     * @return the session as the cancel left it
     * @throws SessionException {@code NOT_FOUND}, or {@code NOT_RUNNING} if no turn runs
     */
    public SessionView cancel() throws InterruptedException {
        session.cancel(TurnOutcome.Cancelled.BY_CLIENT);
        return session.awaitTurnEnd(-1);
    }

    /**
     * Waits while the session is running, at most {@code timeoutNanos} (negative: no limit).
     *
     * @throws SessionException {@code NOT_FOUND} if the session is deleted while waiting
     */
    public SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException {
        return session.awaitNotRunning(timeoutNanos);
    }
}
