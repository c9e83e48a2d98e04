package motus.serve.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.Incoming;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionRecord;
import motus.serve.server.session.SessionRules.Step;
import motus.serve.server.session.SessionRules;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnEvents;
import motus.serve.server.session.TurnOutcome;
import motus.serve.server.store.PostgresStore.LocalTurn;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * A session in PostgreSQL, as one request found it. Every operation is one transaction: lock
 * the session's row, ask {@link SessionRules}, save the step with its events and
 * notifications; its effects on turns that run here follow the commit.
 */
final class PostgresSession implements Session {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final long COMMIT_RETRY_MILLIS = 500;

    private final PostgresStore store;
    private final SessionRules rules;
    private final String id;
    private final SessionRecord loaded;

    PostgresSession(PostgresStore store, SessionRules rules, SessionRecord loaded) {
        this.store = store;
        this.rules = rules;
        this.id = loaded.id();
        this.loaded = loaded;
    }

    @Override
    public String id() {
        return id;
    }

    /** The session as the request that got it read it. */
    @Override
    public SessionView view() {
        return loaded.view();
    }

    @Override
    public List<ChatMessage> state() {
        return loaded.state();
    }

    /** A step of the rules on the session's locked row, saved in the same transaction. */
    @FunctionalInterface
    private interface Rule {
        Step apply(Connection connection, SessionRecord session) throws SQLException;
    }

    private Step step(Rule rule) {
        return store.inTransaction(connection -> {
            SessionRecord session = PostgresStore.lock(connection, id);
            if (session == null) {
                throw new SessionException(SessionException.Reason.NOT_FOUND);
            }
            Step step = rule.apply(connection, session);
            store.save(connection, session, step);
            return step;
        });
    }

    @Override
    public Sent send(Incoming incoming, MultitaskStrategy strategy) {
        Step step = step((connection, session) -> rules.send(session, incoming, strategy, PostgresStore.tokens(connection)));
        store.afterwards(this, step);
        Turn started = step.started();
        return new Sent(started, started == null ? null : new StoredEvents(store, id, started.number(), started.state()),
                step.queuedAt());
    }

    /**
     * Commits where the turn's token still is. While the database is away it tries again, for
     * twice the lease: by then another replica has ended the turn as lost, and the outcome is discarded.
     */
    @Override
    public @Nullable SessionView commit(Turn finished, TurnOutcome outcome) {
        LocalTurn mine = store.here(id, finished.token());
        if (mine == null) {
            return null;
        }
        long giveUp = System.nanoTime() + 2 * store.lease().toNanos();
        try {
            while (true) {
                try {
                    Step step;
                    synchronized (mine) {
                        step = store.inTransaction(connection -> {
                            SessionRecord session = PostgresStore.lock(connection, id);
                            if (session == null) {
                                return null;
                            }
                            Step committed = rules.commit(session, finished.token(), outcome, PostgresStore.tokens(connection));
                            store.save(connection, session, committed);
                            return committed;
                        });
                    }
                    if (step == null || step.ended() == null) {
                        return null;
                    }
                    store.afterwards(this, step);
                    return step.ended().view();
                } catch (SessionException unavailable) {
                    if (store.isClosed() || Thread.currentThread().isInterrupted() || System.nanoTime() > giveUp) {
                        LOG.log(Level.WARNING, "[{0}] turn outcome not saved: {1}", id, unavailable.getMessage());
                        return null;
                    }
                    sleep();
                }
            }
        } finally {
            store.forget(finished);
        }
    }

    @Override
    public void turnStarted(Turn started) {
        store.append(started, "started", Json.MAPPER.createObjectNode().put("session_id", id), false);
    }

    @Override
    public void turnEvent(Turn reporting, String name, ObjectNode data) {
        store.append(reporting, name, data, true);
    }

    @Override
    public @Nullable SessionView interrupt(Turn asking, Interrupt interrupt) {
        LocalTurn mine = store.here(id, asking.token());
        if (mine == null) {
            return null;
        }
        try {
            synchronized (mine) {
                return store.inTransaction(connection -> {
                    SessionRecord session = PostgresStore.lock(connection, id);
                    if (session == null) {
                        return null;
                    }
                    Step step = rules.interrupt(session, asking.token(), interrupt);
                    if (step.next() == session) {
                        return null;
                    }
                    store.save(connection, session, step);
                    ObjectNode data = Json.MAPPER.createObjectNode();
                    data.set("interrupts", Interrupt.json(step.next().interrupts()));
                    PostgresStore.insertEvent(connection, mine, "interrupted", data);
                    return step.next().view();
                });
            }
        } catch (SessionException unavailable) {
            store.cancelHere(asking, "Turn ended: its question could not be saved (" + unavailable.getMessage() + ")");
            return null;
        }
    }

    @Override
    public SessionStatus resume(String interruptId, JsonNode value) {
        Step step = step((connection, session) -> {
            Step resumed = rules.resume(session, interruptId);
            if (store.here(id, resumed.answered().token()) == null) {
                PostgresStore.saveAnswer(connection, id, resumed.answered(), value);
            }
            return resumed;
        });
        store.afterwards(this, step, value);
        return step.next().status();
    }

    @Override
    public long cancel(String reason, @Nullable String turnId) {
        Step step = step((connection, session) -> rules.cancel(session, reason, turnId));
        store.afterwards(this, step);
        return step.next().turns();
    }

    /** The latest turn's, as the database has it now: the turn a send has just started, say. */
    @Override
    public EventLog events() {
        SessionRecord row = store.read(id);
        if (row == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return row.turns() == 0 ? TurnEvents.none(row.view()) : new StoredEvents(store, id, row.turns(), row.state());
    }

    @Override
    public SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException {
        return await(-1, false, timeoutNanos);
    }

    @Override
    public SessionView awaitTurnEnd(long number, long timeoutNanos) throws InterruptedException {
        return await(number, true, timeoutNanos);
    }

    /**
     * Re-reads the row at each notification for it (and at least every second) until turn
     * {@code awaited} (-1: the one running at first) is over, or, unless {@code throughInterrupts},
     * interrupted; its end is what the answer reports, even if a queued turn runs since.
     */
    private SessionView await(long awaited, boolean throughInterrupts, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            var next = store.notifications().next(id);
            SessionRecord row = store.read(id);
            if (row == null) {
                throw new SessionException(SessionException.Reason.NOT_FOUND);
            }
            if (awaited < 0) {
                if (!row.hasTurn()) {
                    return row.view();
                }
                awaited = row.turns();
            }
            if (row.turns() != awaited || !row.hasTurn()) {
                SessionView end = StoredEvents.end(store, id, awaited, row.state());
                return end != null ? end : row.view();
            }
            long left = timeoutNanos < 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
            if ((!throughInterrupts && row.status() != SessionStatus.RUNNING) || left <= 0) {
                return row.view();
            }
            Notifications.await(next, left);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(COMMIT_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
