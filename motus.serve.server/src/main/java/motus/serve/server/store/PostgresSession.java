package motus.serve.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnEvents;
import motus.serve.server.session.TurnOutcome;
import motus.serve.server.session.Webhook;
import motus.serve.server.store.PostgresStore.LocalTurn;
import motus.serve.server.store.PostgresStore.Row;
import motus.serve.worker.wire.Json;
import motus.serve.worker.wire.MessageCodec;
import org.jspecify.annotations.Nullable;

/** A session in PostgreSQL, as one request found it; every operation goes to the database. */
final class PostgresSession implements Session {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final long COMMIT_RETRY_MILLIS = 500;

    private final PostgresStore store;
    private final String id;
    private final Row loaded;

    PostgresSession(PostgresStore store, Row loaded) {
        this.store = store;
        this.id = loaded.view().id();
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
        return loaded.view().state();
    }

    @Override
    public Turn startTurn(ChatMessage message, @Nullable Webhook webhook) {
        record Started(long number, long token, List<ChatMessage> state) {
        }
        Started started = store.inTransaction(connection -> {
            Started begun = null;
            try (PreparedStatement start = connection.prepareStatement("""
                    UPDATE motus_sessions SET status = 'running', response = NULL, error = NULL, interrupts = '[]',
                        turn = turn + 1, token = nextval('motus_turn_tokens'), owner = ?,
                        lease_until = now() + ? * interval '1 millisecond', cancel_reason = NULL
                    WHERE id = ? AND token IS NULL RETURNING turn, token, state""")) {
                start.setString(1, store.owner());
                start.setLong(2, store.lease().toMillis());
                start.setString(3, id);
                try (ResultSet rows = start.executeQuery()) {
                    if (rows.next()) {
                        begun = new Started(rows.getLong(1), rows.getLong(2),
                                PostgresStore.messages(PostgresStore.json(rows.getString(3))));
                    }
                }
            }
            if (begun == null) {
                Row row = PostgresStore.read(connection, id);
                if (row == null) {
                    throw new SessionException(SessionException.Reason.NOT_FOUND);
                }
                throw new SessionException(row.view().status() == SessionStatus.INTERRUPTED
                        ? SessionException.Reason.INTERRUPTED : SessionException.Reason.RUNNING);
            }
            try (PreparedStatement clear = connection.prepareStatement(
                    "DELETE FROM motus_events WHERE session_id = ? AND turn < ?")) {
                clear.setString(1, id);
                clear.setLong(2, begun.number());
                clear.executeUpdate();
            }
            PostgresStore.notify(connection, Notifications.CHANGED, id);
            return begun;
        });
        Turn turn = new Turn(id, started.token(), message, started.state(), webhook);
        store.runsHere(turn, started.number());
        return turn;
    }

    /**
     * Commits where the turn's token still is. While the database is away it tries again, for
     * twice the lease: by then another replica has ended the turn as lost, and the outcome is discarded.
     */
    @Override
    public @Nullable SessionView commit(Turn finished, TurnOutcome outcome) {
        LocalTurn mine = store.here(id, finished.token);
        if (mine == null) {
            return null;
        }
        SessionStatus status = outcome instanceof TurnOutcome.Succeeded ? SessionStatus.IDLE : SessionStatus.ERROR;
        ChatMessage response = outcome instanceof TurnOutcome.Succeeded success ? success.response() : null;
        List<ChatMessage> state = outcome instanceof TurnOutcome.Succeeded success ? success.state() : finished.state;
        SessionView view = new SessionView(id, status, response, outcome.error(), state);
        long giveUp = System.nanoTime() + 2 * store.lease().toNanos();
        try {
            while (true) {
                try {
                    synchronized (mine) {
                        return store.inTransaction(connection -> commit(connection, mine, view, outcome) ? view : null);
                    }
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

    private boolean commit(Connection connection, LocalTurn mine, SessionView view, TurnOutcome outcome)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE motus_sessions SET status = ?, response = ?::json, error = ?, state = coalesce(?::json, state),
                    interrupts = '[]', token = NULL, owner = NULL, lease_until = NULL, cancel_reason = NULL,
                    last_activity = now()
                WHERE id = ? AND token = ?""")) {
            update.setString(1, view.status().wireName());
            update.setString(2, view.response() == null ? null : MessageCodec.toJson(view.response()).toString());
            update.setString(3, view.error());
            update.setString(4, outcome instanceof TurnOutcome.Succeeded ? MessageCodec.toJson(view.state()).toString() : null);
            update.setString(5, id);
            update.setLong(6, mine.turn.token);
            if (update.executeUpdate() == 0) {
                return false;
            }
        }
        PostgresStore.insertEvent(connection, mine, "done", StoredEvents.endData(view));
        PostgresStore.notify(connection, Notifications.CHANGED, id);
        return true;
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
        LocalTurn mine = store.here(id, asking.token);
        if (mine == null) {
            return null;
        }
        try {
            synchronized (mine) {
                return store.inTransaction(connection -> {
                    Row row = lockCurrent(connection, asking.token);
                    if (row != null) {
                        List<Interrupt> pending = new ArrayList<>(row.view().interrupts());
                        pending.add(interrupt);
                        try (PreparedStatement update = connection.prepareStatement(
                                "UPDATE motus_sessions SET status = 'interrupted', interrupts = ?::json WHERE id = ?")) {
                            update.setString(1, Interrupt.json(pending).toString());
                            update.setString(2, id);
                            update.executeUpdate();
                        }
                        SessionView was = row.view();
                        row = new Row(new SessionView(id, SessionStatus.INTERRUPTED, null, null, was.state(), List.copyOf(pending)),
                                row.turn(), row.token());
                    }
                    if (row == null) {
                        return null;
                    }
                    ObjectNode data = Json.MAPPER.createObjectNode();
                    data.set("interrupts", Interrupt.json(row.view().interrupts()));
                    PostgresStore.insertEvent(connection, mine, "interrupted", data);
                    PostgresStore.notify(connection, Notifications.CHANGED, id);
                    return row.view();
                });
            }
        } catch (SessionException unavailable) {
            asking.cancel("Turn ended: its question could not be saved (" + unavailable.getMessage() + ")");
            return null;
        }
    }

    /** The session's row, locked until the transaction ends, if {@code token}'s turn is still its own; else null. */
    private @Nullable Row lockCurrent(Connection connection, long token) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + PostgresStore.COLUMNS + " FROM motus_sessions WHERE id = ? AND token = ? FOR UPDATE")) {
            select.setString(1, id);
            select.setLong(2, token);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? PostgresStore.row(rows) : null;
            }
        }
    }

    @Override
    public SessionStatus resume(String interruptId, JsonNode value) {
        record Resumed(SessionStatus status, @Nullable LocalTurn here) {
        }
        Resumed resumed = store.inTransaction(connection -> {
            SessionStatus status;
            JsonNode pending;
            long token;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT status, interrupts, token FROM motus_sessions WHERE id = ? FOR UPDATE")) {
                select.setString(1, id);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        throw new SessionException(SessionException.Reason.NOT_FOUND);
                    }
                    status = PostgresStore.status(rows.getString(1));
                    pending = PostgresStore.json(rows.getString(2));
                    token = rows.getLong(3);
                }
            }
            if (status != SessionStatus.INTERRUPTED) {
                throw new SessionException(SessionException.Reason.NOT_INTERRUPTED,
                        "Session is " + status.wireName() + ", not interrupted");
            }
            ArrayNode left = Json.MAPPER.createArrayNode();
            boolean found = false;
            for (JsonNode interrupt : pending) {
                if (interrupt.path("interrupt_id").asText().equals(interruptId)) {
                    found = true;
                } else {
                    left.add(interrupt);
                }
            }
            if (!found) {
                throw new SessionException(SessionException.Reason.UNKNOWN_INTERRUPT, "Unknown interrupt_id: " + interruptId);
            }
            SessionStatus after = left.isEmpty() ? SessionStatus.RUNNING : SessionStatus.INTERRUPTED;
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE motus_sessions SET status = ?, interrupts = ?::json WHERE id = ?")) {
                update.setString(1, after.wireName());
                update.setString(2, left.toString());
                update.setString(3, id);
                update.executeUpdate();
            }
            LocalTurn here = store.here(id, token);
            if (here == null) {
                try (PreparedStatement answer = connection.prepareStatement(
                        "INSERT INTO motus_answers (session_id, token, interrupt_id, value, all_answered) VALUES (?, ?, ?, ?::json, ?)")) {
                    answer.setString(1, id);
                    answer.setLong(2, token);
                    answer.setString(3, interruptId);
                    answer.setString(4, value.toString());
                    answer.setBoolean(5, after == SessionStatus.RUNNING);
                    answer.executeUpdate();
                }
            }
            PostgresStore.notify(connection, here == null ? Notifications.REQUEST : Notifications.CHANGED, id);
            return new Resumed(after, here);
        });
        if (resumed.here() != null) {
            store.deliver(resumed.here(), interruptId, value, resumed.status() == SessionStatus.RUNNING);
        }
        return resumed.status();
    }

    @Override
    public void cancel(String reason) {
        long token = store.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE motus_sessions SET cancel_reason = ? WHERE id = ? AND token IS NOT NULL RETURNING token")) {
                update.setString(1, reason);
                update.setString(2, id);
                try (ResultSet rows = update.executeQuery()) {
                    if (rows.next()) {
                        PostgresStore.notify(connection, Notifications.REQUEST, id);
                        return rows.getLong(1);
                    }
                }
            }
            Row row = PostgresStore.read(connection, id);
            if (row == null) {
                throw new SessionException(SessionException.Reason.NOT_FOUND);
            }
            throw new SessionException(SessionException.Reason.NOT_RUNNING,
                    "Session is " + row.view().status().wireName() + ", not running");
        });
        LocalTurn here = store.here(id, token);
        if (here != null) {
            here.turn.cancel(reason);
        }
    }

    /** The latest turn's, as the database has it now: the turn a send has just started, say. */
    @Override
    public EventLog events() {
        Row row = store.read(id);
        if (row == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return row.turn() == 0 ? TurnEvents.none(row.view()) : new StoredEvents(store, id, row.turn(), row.view().state());
    }

    @Override
    public SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException {
        return await(row -> row.view().status() == SessionStatus.RUNNING, timeoutNanos);
    }

    @Override
    public SessionView awaitTurnEnd(long timeoutNanos) throws InterruptedException {
        return await(row -> row.token() != null, timeoutNanos);
    }

    /** Re-reads the row at each notification for it (and at least every second) while {@code waiting} holds. */
    private SessionView await(Predicate<Row> waiting, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            var next = store.notifications().next(id);
            Row row = store.read(id);
            if (row == null) {
                throw new SessionException(SessionException.Reason.NOT_FOUND);
            }
            long left = timeoutNanos < 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (!waiting.test(row) || left <= 0) {
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
