package motus.serve.server.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.Incoming;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.TurnOutcome;
import motus.serve.server.session.Webhook;
import org.jspecify.annotations.Nullable;

/**
 * One session, as a protocol acts on it: send a message (which starts and runs a turn), answer
 * the turn's questions, cancel it, follow it, wait for it. Got from {@link Conversations#get}.
 */
public final class Conversation {

    /**
     * Where a sent message went.
     *
     * @param turnId the id of its turn ({@link SessionView#turn})
     * @param events the events of the turn it started, from its start; null while it waits in the queue
     * @param queuedAt its place in the session's queue, from 1; 0 if its turn started at once
     */
    public record Sent(String turnId, @Nullable EventLog events, int queuedAt) {
    }

    private final Session session;
    private final MultitaskStrategy defaultStrategy;
    private final Runnable refuseWhenStopping;
    private final Supplier<Map<String, String>> traceContext;

    Conversation(Session session, MultitaskStrategy defaultStrategy, Runnable refuseWhenStopping,
                 Supplier<Map<String, String>> traceContext) {
        this.session = session;
        this.defaultStrategy = defaultStrategy;
        this.refuseWhenStopping = refuseWhenStopping;
        this.traceContext = traceContext;
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
     * Sends {@code message}: it starts a turn that runs in the background, or, while one runs,
     * does what {@code strategy} says (null: the server's default). Its sandbox parameters
     * become its worker's environment ({@link SandboxParameters}); its turn joins the trace
     * current where it is sent (an HTTP request's, whose {@code traceparent} started it).
     *
     * @throws SessionException {@code RUNNING} or {@code INTERRUPTED} (with {@code reject}),
     *                          {@code QUEUE_FULL}, {@code NOT_FOUND}, {@code SHUTTING_DOWN}
     */
    public Sent send(ChatMessage message, @Nullable Webhook webhook, @Nullable MultitaskStrategy strategy) {
        refuseWhenStopping.run();
        Incoming incoming = SandboxParameters.split(message, webhook).traced(traceContext.get());
        Session.Sent sent = session.send(incoming, strategy == null ? defaultStrategy : strategy);
        return new Sent(incoming.turnId(), sent.events(), sent.queuedAt());
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
     * Ends the running or interrupted turn: its worker dies at once, and the turn ends in
     * {@code error} with the state unchanged. Messages queued behind it still run.
     *
     * @return the session as the cancelled turn left it
     * @throws SessionException {@code NOT_FOUND}, or {@code NOT_RUNNING} if no turn runs
     */
    public SessionView cancel() throws InterruptedException {
        return cancel(null);
    }

    /**
     * Ends the turn with id {@code turnId} as {@link #cancel()} does, if it is the one running
     * (null: whichever runs).
     *
     * @throws SessionException {@code NOT_FOUND}, or {@code NOT_RUNNING} if that turn does not run
     */
    public SessionView cancel(@Nullable String turnId) throws InterruptedException {
        return session.awaitTurnEnd(session.cancel(TurnOutcome.Cancelled.BY_CLIENT, turnId), -1);
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
