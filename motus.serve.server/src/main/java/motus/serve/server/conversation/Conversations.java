package motus.serve.server.conversation;

import java.util.List;
import java.util.function.BooleanSupplier;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStore;
import motus.serve.server.session.SessionView;
import motus.serve.server.turn.TurnRunner;
import org.jspecify.annotations.Nullable;

/**
 * The one way into sessions and their turns, for every protocol: the HTTP contract today, A2A
 * and MCP next. It speaks none of them: what the rules refuse is a {@link SessionException},
 * which each protocol maps to its own errors in one place.
 */
public final class Conversations {

    private final SessionStore sessions;
    private final TurnRunner turns;
    private final MultitaskStrategy defaultStrategy;
    private final BooleanSupplier stopping;

    /**
     * @param turns runs the turns {@code sessions} start (the store's {@code TurnControl})
     * @param defaultStrategy what a message sent while a turn runs does, unless it says
     * @param stopping whether the server is shutting down: new sessions and turns are then refused
     */
    public Conversations(SessionStore sessions, TurnRunner turns, MultitaskStrategy defaultStrategy,
                         BooleanSupplier stopping) {
        this.sessions = sessions;
        this.turns = turns;
        this.defaultStrategy = defaultStrategy;
        this.stopping = stopping;
    }

    /**
     * Creates a session, which belongs to {@code caller}.
     *
     * @param id the client's id, or null for a random UUID
     * @throws SessionException {@code ALREADY_EXISTS}, {@code TOO_MANY}, {@code STORAGE_FULL} or {@code SHUTTING_DOWN}
     */
    public SessionView create(Caller caller, @Nullable String id, List<ChatMessage> state) {
        refuseWhenStopping();
        return sessions.create(id, state, caller.name()).view();
    }

    /** @throws SessionException {@code NOT_FOUND}, also when the session is not {@code caller}'s */
    public Conversation get(Caller caller, String id) {
        return visible(caller, sessions.get(id));
    }

    /**
     * The session that remembers the turn with id {@code turnId} ({@link Conversation.Sent#turnId}).
     *
     * @throws SessionException {@code NOT_FOUND} if no session of {@code caller}'s does
     */
    public Conversation byTurn(Caller caller, String turnId) {
        return visible(caller, sessions.byTurn(turnId));
    }

    /**
     * Deletes a session; a turn it runs is cancelled and its worker killed.
     *
     * @throws SessionException {@code NOT_FOUND}, also when the session is not {@code caller}'s
     */
    public void delete(Caller caller, String id) {
        get(caller, id);
        sessions.delete(id);
    }

    /** The sessions {@code caller} sees, as they are now. */
    public List<SessionView> list(Caller caller) {
        return sessions.list().stream().filter(session -> caller.sees(session.owner())).toList();
    }

    /** How many sessions there are (with a shared store: on all servers). */
    public int size() {
        return sessions.size();
    }

    /** The most workers running turns at once. */
    public int maxWorkers() {
        return turns.maxWorkers();
    }

    /** Workers running a turn on this server now. */
    public int runningWorkers() {
        return turns.runningWorkers();
    }

    /** Workers alive on this server but running no turn: paused on a question, or kept for their session. */
    public int waitingWorkers() {
        return turns.waitingWorkers();
    }

    /** Why a turn's webhook may not go to {@code url}, or null; may resolve its host. */
    public @Nullable String webhookRefusal(String url) {
        return turns.webhookRefusal(url);
    }

    /** Another's session is, to this caller, no session at all: its existence is not revealed. */
    private Conversation visible(Caller caller, Session session) {
        if (!caller.sees(session.view().owner())) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return new Conversation(session, defaultStrategy, this::refuseWhenStopping, turns::traceContext);
    }

    private void refuseWhenStopping() {
        if (stopping.getAsBoolean()) {
            throw new SessionException(SessionException.Reason.SHUTTING_DOWN);
        }
    }
}
