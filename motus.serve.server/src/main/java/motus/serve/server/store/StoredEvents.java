package motus.serve.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.SessionRecord;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import org.jspecify.annotations.Nullable;

/**
 * One turn's events in the database, written by the replica that runs the turn and read here
 * on whichever replica the client follows it from. A turn that ended with no {@code done} of its
 * own (its replica died, or the session was deleted) gets one made from the session's row.
 */
final class StoredEvents implements EventLog {

    private final PostgresStore store;
    private final String sessionId;
    private final long turn;
    private List<ChatMessage> lastState;

    StoredEvents(PostgresStore store, String sessionId, long turn, List<ChatMessage> state) {
        this.store = store;
        this.sessionId = sessionId;
        this.turn = turn;
        this.lastState = state;
    }

    /** What a {@code done} event stores: the session's end as the contract shows it, but for the state. */
    static ObjectNode endData(SessionView end) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("status", end.status().wireName());
        data.set("response", end.response() == null ? null : MessageCodec.toJson(end.response()));
        return data.put("error", end.error());
    }

    /** How turn {@code turn} of the session ended, from its {@code done}; null if that is not (or no longer) stored. */
    static @Nullable SessionView end(PostgresStore store, String sessionId, long turn, List<ChatMessage> state) {
        String data = store.withConnection(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT data FROM motus_events WHERE session_id = ? AND turn = ? AND name = 'done'")) {
                select.setString(1, sessionId);
                select.setLong(2, turn);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? rows.getString(1) : null;
                }
            }
        });
        return data == null ? null : new StoredEvents(store, sessionId, turn, state).event(0, "done", data).end();
    }

    @Override
    public long turn() {
        return turn;
    }

    @Override
    public List<Event> after(long sequence, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            CompletableFuture<Void> next = store.notifications().next(sessionId);
            // The row first: a turn it shows ended has all its events written already.
            record Stored(long sequence, String name, @Nullable String data) {
            }
            record Read(@Nullable SessionRecord row, List<Stored> events) {
            }
            Read read = store.withConnection(connection -> {
                SessionRecord current = PostgresStore.read(connection, sessionId);
                List<Stored> after = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("""
                        SELECT seq, name, data FROM motus_events WHERE session_id = ? AND turn = ? AND seq > ? ORDER BY seq""")) {
                    select.setString(1, sessionId);
                    select.setLong(2, turn);
                    select.setLong(3, sequence);
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            after.add(new Stored(rows.getLong(1), rows.getString(2), rows.getString(3)));
                        }
                    }
                }
                return new Read(current, after);
            });
            SessionRecord row = read.row();
            if (row != null) {
                lastState = row.state();
            }
            // Made after the row is read: a done event carries the state it holds.
            List<Event> events = read.events().stream()
                    .map(stored -> event(stored.sequence(), stored.name(), stored.data()))
                    .toList();
            if (!events.isEmpty()) {
                return events;
            }
            if (row == null) {
                return List.of(new Event(sequence + 1, "done", null,
                        new SessionView(sessionId, SessionStatus.ERROR, null, "Session deleted", lastState)));
            }
            if (row.turns() != turn || row.token() == null) {
                return List.of(new Event(sequence + 1, "done", null, row.view())); // ended by another replica's sweep
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            Notifications.await(next, left);
        }
    }

    private Event event(long sequence, String name, @Nullable String data) {
        ObjectNode json = data == null ? null : (ObjectNode) Rows.json(data);
        if (!name.equals("done") || json == null) {
            return new Event(sequence, name, json, null);
        }
        JsonNode response = json.path("response");
        SessionView end = new SessionView(sessionId, Rows.status(json.path("status").asText()),
                response.isObject() ? Rows.message(response) : null,
                json.path("error").isTextual() ? json.path("error").asText() : null, lastState);
        return new Event(sequence, name, null, end);
    }
}
