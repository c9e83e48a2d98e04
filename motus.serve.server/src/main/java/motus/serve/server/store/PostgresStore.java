package motus.serve.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.System.Logger.Level;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.EventLog;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionException;
import motus.serve.server.session.SessionRecord;
import motus.serve.server.session.SessionRules.Step;
import motus.serve.server.session.SessionRules;
import motus.serve.server.session.SessionStore;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnControl;
import motus.serve.server.session.TurnOutcome;
import motus.serve.wire.Json;
import motus.serve.wire.MessageCodec;
import org.jspecify.annotations.Nullable;

/**
 * Sessions in PostgreSQL, shared by every server ("replica") pointed at the same database.
 * Each step of {@link SessionRules} is one transaction on the session's locked row, so the rules
 * hold across replicas: a turn starts only on a row with no turn token (or replaces it, as the
 * rules say), and commits only where its token still is; the queue is in the row. A running turn
 * lives in the replica that started it, which renews its lease; when the lease runs out (the
 * replica died), any replica's sweep ends the turn in error. Requests for a turn that runs
 * elsewhere (cancel, answers to interrupts, delete) are written to the database and the owner
 * is notified; it also looks for them every second.
 */
public final class PostgresStore implements SessionStore {

    /** The error of a turn whose replica stopped renewing its lease. */
    public static final String LEASE_LOST = "Turn lost: the server running it stopped before the turn ended";
    static final String DELETED = SessionRules.TURN_DELETED;

    private static final System.Logger LOG = System.getLogger("motus.serve");
    /** Advisory locks: one for creation when max_sessions counts, one for the sweep. */
    private static final long CREATE_LOCK = 0x6d6f7475_73000002L;
    private static final long SWEEP_LOCK = 0x6d6f7475_73000003L;

    private final HikariDataSource pool;
    private final String owner = UUID.randomUUID().toString();
    private final Duration lease;
    private final int maxSessions;
    private final Consumer<String> onEnded;
    private final SessionRules rules;
    private final TurnControl control;
    private final Notifications notifications;
    private final ConcurrentHashMap<String, LocalTurn> local = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> heartbeat;
    private volatile boolean closed;
    private volatile boolean reachable = true;

    /** A turn this replica runs, and the numbering of its events (it writes them all). */
    static final class LocalTurn {
        final Turn turn;
        private long sequence;
        private long agentBytes;

        LocalTurn(Turn turn) {
            this.turn = turn;
        }

        /** Call holding this object's monitor, which keeps events in order in the database. */
        long nextSequence() {
            return ++sequence;
        }

        /** Whether the agent's events may take {@code bytes} more of the log; see {@link EventLog#MAX_AGENT_BYTES}. */
        boolean admits(long bytes) {
            if (agentBytes + bytes > EventLog.MAX_AGENT_BYTES) {
                return false;
            }
            agentBytes += bytes;
            return true;
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private PostgresStore(HikariDataSource pool, Duration lease, int maxSessions, SessionRules rules, TurnControl control,
                          Consumer<String> onEnded, ScheduledExecutorService upkeep) {
        this.pool = pool;
        this.lease = lease;
        this.maxSessions = maxSessions;
        this.rules = rules;
        this.control = control;
        this.onEnded = onEnded;
        this.notifications = new Notifications(pool, this::notified);
        long beat = Math.clamp(lease.toMillis() / 3, 10, Notifications.BACKSTOP.toMillis());
        this.heartbeat = upkeep.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
    }

    /**
     * Connects, creating or migrating the schema.
     *
     * @param url a {@code jdbc:postgresql:} URL, with or without credentials
     * @param user the user when the URL names none, or null
     * @param password its password, or null
     * @param lease how long a turn outlives its replica at most, before it ends in error
     * @param control runs the turns the rules start on this replica, and hears what clients ask of them
     * @param onEnded told the id of each session deleted or expired, on any replica
     * @param upkeep where the lease renewals run: they block while the database is slow
     * @throws IllegalStateException if the database cannot be reached or its schema is newer
     */
    public static PostgresStore open(String url, @Nullable String user, @Nullable String password, Duration lease,
                                     int maxSessions, SessionRules rules, TurnControl control, Consumer<String> onEnded,
                                     ScheduledExecutorService upkeep) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("motus-store");
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(10);
        // A replica frozen inside a transaction (SIGSTOP, a long pause, a stalled VM) would hold its locks
        // for as long as it stays frozen: the sweep's, and its sessions' rows, so that no other replica
        // could end its turns as lost. Our transactions take milliseconds; one idle for a lease is a
        // frozen replica's, and PostgreSQL ends it (seen: ReplicasIT's paused replica, now and then).
        config.setConnectionInitSql("SET idle_in_transaction_session_timeout = " + Math.max(1, lease.toMillis()));
        // A request fails with 503 after this, rather than hang while the database is away.
        config.setConnectionTimeout(2000);
        config.setInitializationFailTimeout(2000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach the session store at " + redacted(url) + ": " + rootMessage(e), e);
        }
        try (Connection connection = pool.getConnection()) {
            Schema.migrate(connection);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw new IllegalStateException("cannot set up the session store at " + redacted(url) + ": " + rootMessage(e), e);
        }
        LOG.log(Level.INFO, "sessions in PostgreSQL at {0}", redacted(url));
        return new PostgresStore(pool, lease, maxSessions, rules, control, onEnded, upkeep);
    }

    /** The URL without what may hold credentials: the user part and the parameters. */
    static String redacted(String url) {
        String bare = url.indexOf('?') < 0 ? url : url.substring(0, url.indexOf('?'));
        int at = bare.indexOf('@');
        int hosts = bare.indexOf("//");
        return at > hosts && hosts >= 0 ? bare.substring(0, hosts + 2) + bare.substring(at + 1) : bare;
    }

    @Override
    public Session create(@Nullable String id, List<ChatMessage> state, @Nullable String owner) {
        String sessionId = id == null ? UUID.randomUUID().toString() : id;
        inTransaction(connection -> {
            if (maxSessions > 0) {
                execute(connection, "SELECT pg_advisory_xact_lock(" + CREATE_LOCK + ")");
                try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM motus_sessions");
                     ResultSet rows = count.executeQuery()) {
                    rows.next();
                    if (rows.getLong(1) >= maxSessions) {
                        throw new SessionException(SessionException.Reason.TOO_MANY);
                    }
                }
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO motus_sessions (id, status, state, created_by) VALUES (?, 'idle', ?::json, ?)"
                            + " ON CONFLICT (id) DO NOTHING")) {
                insert.setString(1, sessionId);
                insert.setString(2, MessageCodec.toJson(state).toString());
                insert.setString(3, owner);
                if (insert.executeUpdate() == 0) {
                    throw new SessionException(SessionException.Reason.ALREADY_EXISTS);
                }
            }
            return null;
        });
        LOG.log(Level.INFO, "[{0}] session created", sessionId);
        return new PostgresSession(this, rules, SessionRecord.created(sessionId, owner, state));
    }

    @Override
    public Session get(String id) {
        requirePossible(id);
        SessionRecord row = read(id);
        if (row == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return new PostgresSession(this, rules, row);
    }

    @Override
    public Session byTurn(String turnId) {
        requirePossible(turnId);
        SessionRecord row = withConnection(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + Rows.COLUMNS + " FROM motus_sessions WHERE turn_ids @> ARRAY[?::text]")) {
                select.setString(1, turnId);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Rows.record(rows) : null;
                }
            }
        });
        if (row == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return new PostgresSession(this, rules, row);
    }

    @Override
    public void delete(String id) {
        requirePossible(id);
        inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM motus_sessions WHERE id = ?")) {
                delete.setString(1, id);
                if (delete.executeUpdate() == 0) {
                    throw new SessionException(SessionException.Reason.NOT_FOUND);
                }
            }
            notify(connection, Notifications.DELETED, id);
            return null;
        });
        ended(id);
        LOG.log(Level.INFO, "[{0}] session deleted", id);
    }

    /** PostgreSQL text cannot hold NUL, so no stored id has one. */
    private static void requirePossible(String id) {
        if (id.indexOf('\0') >= 0) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
    }

    @Override
    public List<SessionView> list() {
        return withConnection(connection -> {
            List<SessionView> views = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + Rows.COLUMNS + " FROM motus_sessions");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    views.add(Rows.record(rows).view());
                }
            }
            return views;
        });
    }

    @Override
    public int size() {
        return withConnection(connection -> {
            try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM motus_sessions");
                 ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        });
    }

    /**
     * Ends turns whose lease ran out and removes sessions past the TTL, on one replica at a
     * time: the others find the lock taken and leave it to the next second.
     */
    @Override
    public void sweep(Duration ttl) {
        try {
            inTransaction(connection -> {
                try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_xact_lock(" + SWEEP_LOCK + ")");
                     ResultSet rows = lock.executeQuery()) {
                    rows.next();
                    if (!rows.getBoolean(1)) {
                        return null;
                    }
                }
                List<SessionRecord> lost = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT " + Rows.COLUMNS
                        + " FROM motus_sessions WHERE token IS NOT NULL AND lease_until < now() FOR UPDATE SKIP LOCKED");
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        lost.add(Rows.record(rows));
                    }
                }
                for (SessionRecord session : lost) {
                    LOG.log(Level.WARNING, "[{0}] turn ended: its server stopped renewing its lease", session.id());
                    save(connection, session, rules.lose(session, LEASE_LOST));
                }
                // The SQL form of SessionRules.mayExpire: no turn.
                if (!ttl.isZero()) {
                    try (PreparedStatement expired = connection.prepareStatement("""
                            DELETE FROM motus_sessions
                            WHERE token IS NULL AND last_activity < now() - ? * interval '1 millisecond' RETURNING id""")) {
                        expired.setLong(1, ttl.toMillis());
                        for (String id : ids(expired)) {
                            LOG.log(Level.INFO, "[{0}] session expired", id);
                            notify(connection, Notifications.DELETED, id);
                        }
                    }
                }
                return null;
            });
        } catch (SessionException unavailable) {
            // logged once as unreachable; the next sweep tries again
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "sweeping the session store failed", e); // and the next sweep still runs
        }
    }

    @Override
    public void close() {
        closed = true;
        heartbeat.cancel(false);
        notifications.close();
        pool.close();
    }

    boolean isClosed() {
        return closed;
    }

    Duration lease() {
        return lease;
    }

    String owner() {
        return owner;
    }

    Notifications notifications() {
        return notifications;
    }

    /** The local record of a turn this replica runs, or null. */
    @Nullable LocalTurn here(String sessionId, @Nullable Long token) {
        LocalTurn mine = local.get(sessionId);
        return mine != null && token != null && mine.turn.token() == token ? mine : null;
    }

    void forget(Turn turn) {
        local.computeIfPresent(turn.sessionId(), (id, mine) -> mine.turn.token() == turn.token() ? null : mine);
    }

    /**
     * Fencing tokens for a turn the next step may start: unique across sessions and replicas,
     * taken from the database only when the rules ask (most sends that queue, and most commits,
     * start no turn). A failure to take one ends the step's transaction as any SQL failure does.
     */
    static LongSupplier tokens(Connection connection) {
        return () -> {
            try (PreparedStatement next = connection.prepareStatement("SELECT nextval('motus_turn_tokens')");
                 ResultSet rows = next.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            } catch (SQLException e) {
                throw new StatementFailed(e);
            }
        };
    }

    /** A {@link SQLException} from inside a step of the rules, which take no checked exceptions. */
    private static final class StatementFailed extends RuntimeException {
        final SQLException failure;

        StatementFailed(SQLException failure) {
            super(failure);
            this.failure = failure;
        }
    }

    /** The session's row, locked until the transaction ends, or null if there is none. */
    static @Nullable SessionRecord lock(Connection connection, String id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + Rows.COLUMNS + " FROM motus_sessions WHERE id = ? FOR UPDATE")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Rows.record(rows) : null;
            }
        }
    }

    /**
     * Saves a step of the rules over {@code before}, whose row the transaction holds locked: the
     * new record; the {@code done} of a turn it ended; this replica as the owner of a turn it
     * started; and notifications for followers, and for the replica running a turn that must
     * stop or takes an answer.
     */
    void save(Connection connection, SessionRecord before, Step step) throws SQLException {
        SessionRecord next = step.next();
        if (next == null || next == before) {
            return;
        }
        String ownership = step.started() != null ? "start" : next.hasTurn() ? "keep" : "end";
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE motus_sessions SET status = ?, response = ?::json, error = ?, state = coalesce(?::json, state),
                    interrupts = ?::json, turn = ?, token = ?, cancel_reason = ?, queue = ?::json,
                    history = coalesce(?::json, history), turn_ids = coalesce(?, turn_ids),
                    owner = CASE ? WHEN 'start' THEN ? WHEN 'end' THEN NULL ELSE owner END,
                    lease_until = CASE ? WHEN 'start' THEN now() + ? * interval '1 millisecond'
                                          WHEN 'end' THEN NULL ELSE lease_until END,
                    last_activity = CASE WHEN ? THEN now() ELSE last_activity END
                WHERE id = ?""")) {
            update.setString(1, next.status().wireName());
            update.setString(2, next.response() == null ? null : MessageCodec.toJson(next.response()).toString());
            update.setString(3, next.error());
            // The state is written only when it changed: it is the largest column by far.
            update.setString(4, next.state() == before.state() ? null : MessageCodec.toJson(next.state()).toString());
            update.setString(5, Interrupt.json(next.interrupts()).toString());
            update.setLong(6, next.turns());
            update.setObject(7, next.token());
            update.setString(8, next.cancelReason());
            update.setString(9, Rows.queueJson(next.queue()));
            boolean newHistory = next.history() != before.history();
            update.setString(10, newHistory ? Rows.historyJson(next.history()) : null);
            update.setArray(11, newHistory ? connection.createArrayOf("text", Rows.turnIds(next.history())) : null);
            update.setString(12, ownership);
            update.setString(13, owner);
            update.setString(14, ownership);
            update.setLong(15, lease.toMillis());
            update.setBoolean(16, step.ended() != null);
            update.setString(17, next.id());
            update.executeUpdate();
        }
        if (step.ended() != null) {
            insertDone(connection, next.id(), step.ended());
        }
        if (step.started() != null) {
            // The turn before it keeps its events: a long-poll reports how it ended.
            try (PreparedStatement clear = connection.prepareStatement(
                    "DELETE FROM motus_events WHERE session_id = ? AND turn < ?")) {
                clear.setString(1, next.id());
                clear.setLong(2, step.started().number() - 1);
                clear.executeUpdate();
            }
        }
        notify(connection, Notifications.CHANGED, next.id());
        Long askedOf = step.cancelled() != null ? Long.valueOf(step.cancelled().token())
                : step.answered() != null ? Long.valueOf(step.answered().token()) : null;
        if (askedOf != null && here(next.id(), askedOf) == null) {
            notify(connection, Notifications.REQUEST, next.id());
        }
    }

    /**
     * The {@code done} of a turn, numbered next in its log: ids stay consecutive for clients.
     * The replica running the turn may be writing to the log meanwhile (a turn ended from
     * elsewhere); a number it took first is taken again, from the log as it is then.
     */
    private static void insertDone(Connection connection, String sessionId, SessionRules.Ended ended) throws SQLException {
        try (PreparedStatement done = connection.prepareStatement("""
                INSERT INTO motus_events (session_id, turn, seq, name, data)
                SELECT ?, ?, coalesce(max(seq), 0) + 1, 'done', ?::json FROM motus_events WHERE session_id = ? AND turn = ?
                ON CONFLICT DO NOTHING""")) {
            done.setString(1, sessionId);
            done.setLong(2, ended.number());
            done.setString(3, StoredEvents.endData(ended.view()).toString());
            done.setString(4, sessionId);
            done.setLong(5, ended.number());
            for (int attempt = 0; attempt < 10 && done.executeUpdate() == 0; attempt++) {
                // taken meanwhile; the next statement sees what took it
            }
        }
    }

    /** An answer for a turn another replica runs, for it to take. */
    static void saveAnswer(Connection connection, String sessionId, SessionRules.Answered answered, JsonNode value)
            throws SQLException {
        try (PreparedStatement answer = connection.prepareStatement(
                "INSERT INTO motus_answers (session_id, token, interrupt_id, value, all_answered) VALUES (?, ?, ?, ?::json, ?)")) {
            answer.setString(1, sessionId);
            answer.setLong(2, answered.token());
            answer.setString(3, answered.interruptId());
            answer.setString(4, value.toString());
            answer.setBoolean(5, answered.allAnswered());
            answer.executeUpdate();
        }
    }

    /** What a saved step asks of this replica: run the turn it started, stop the one it cancelled. */
    void afterwards(Session session, Step step) {
        afterwards(session, step, null);
    }

    /** As {@link #afterwards(Session, Step)}, with the value of the answer the step took, if any. */
    void afterwards(Session session, Step step, @Nullable JsonNode answer) {
        Turn started = step.started();
        if (started != null) {
            local.put(started.sessionId(), new LocalTurn(started));
            control.run(session, started);
        }
        if (step.cancelled() != null) {
            control.cancel(session.id(), step.cancelled().token(), step.cancelled().reason());
        }
        if (step.answered() != null && answer != null) {
            LocalTurn mine = here(session.id(), step.answered().token());
            if (mine != null) {
                deliver(mine, step.answered().interruptId(), answer, step.answered().allAnswered());
            }
        }
    }

    /** Ends a turn of this replica's. */
    void cancelHere(Turn turn, String reason) {
        control.cancel(turn.sessionId(), turn.token(), reason);
    }

    /**
     * Appends an event of a local turn, for clients following it on any replica; dropped while
     * the store is away, and, for the agent's own, once the turn's log is full.
     */
    void append(Turn turn, String name, ObjectNode data, boolean agents) {
        LocalTurn mine = here(turn.sessionId(), turn.token());
        if (mine == null) {
            return;
        }
        long size = agents ? Json.bytes(data).length : 0;
        try {
            synchronized (mine) {
                if (agents && !mine.admits(size)) {
                    return;
                }
                inTransaction(connection -> {
                    insertEvent(connection, mine, name, data);
                    notify(connection, Notifications.CHANGED, turn.sessionId());
                    return null;
                });
            }
        } catch (SessionException unavailable) {
            LOG.log(Level.DEBUG, "[{0}] event {1} not stored: {2}", turn.sessionId(), name, unavailable.getMessage());
        }
    }

    /** Call holding {@code mine}'s monitor. */
    static void insertEvent(Connection connection, LocalTurn mine, String name, @Nullable ObjectNode data) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO motus_events (session_id, turn, seq, name, data) VALUES (?, ?, ?, ?, ?::json)
                ON CONFLICT DO NOTHING""")) {
            insert.setString(1, mine.turn.sessionId());
            insert.setLong(2, mine.turn.number());
            insert.setLong(3, mine.nextSequence());
            insert.setString(4, name);
            insert.setString(5, data == null ? null : data.toString());
            insert.executeUpdate();
        }
    }

    /** Hands an answer to a local turn, after telling its followers. */
    void deliver(LocalTurn mine, String interruptId, JsonNode value, boolean allAnswered) {
        append(mine.turn, "resumed", Json.MAPPER.createObjectNode().put("interrupt_id", interruptId), false);
        control.answer(mine.turn.sessionId(), mine.turn.token(), interruptId, value, allAnswered);
    }

    private void notified(char kind, String sessionId) {
        switch (kind) {
            case Notifications.DELETED -> ended(sessionId);
            case Notifications.REQUEST -> {
                if (local.containsKey(sessionId)) {
                    Thread.ofVirtual().name("motus-store-request").start(() -> takeRequests(sessionId));
                }
            }
            default -> {
                // waiters were woken; nothing else to do
            }
        }
    }

    /** A session is gone, here or on another replica: its local turn ends, and so does a worker kept for it. */
    private void ended(String sessionId) {
        LocalTurn mine = local.get(sessionId);
        if (mine != null) {
            cancelHere(mine.turn, DELETED);
        }
        onEnded.accept(sessionId);
    }

    /** Renews the leases of the turns that run here, then takes any request for them (the notifications' backstop). */
    private void heartbeat() {
        if (local.isEmpty()) {
            return;
        }
        Long[] tokens = local.values().stream().map(mine -> mine.turn.token()).toArray(Long[]::new);
        try {
            inTransaction(connection -> {
                try (PreparedStatement renew = connection.prepareStatement("""
                        UPDATE motus_sessions SET lease_until = now() + ? * interval '1 millisecond'
                        WHERE owner = ? AND token = ANY (?)""")) {
                    renew.setLong(1, lease.toMillis());
                    renew.setString(2, owner);
                    Array array = connection.createArrayOf("bigint", tokens);
                    renew.setArray(3, array);
                    renew.executeUpdate();
                }
                return null;
            });
            local.keySet().forEach(this::takeRequests);
        } catch (SessionException unavailable) {
            // the lease runs on; it may run out if the database stays away, and the turn's commit then finds it lost
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "renewing turn leases failed", e);
        }
    }

    /** What other replicas asked of a turn that runs here: it is gone, lost, cancelled, or has answers. */
    private void takeRequests(String sessionId) {
        LocalTurn mine = local.get(sessionId);
        if (mine == null) {
            return;
        }
        record Answer(String interruptId, JsonNode value, boolean allAnswered) {
        }
        record Requests(boolean gone, long turns, @Nullable Long token, @Nullable String cancel, List<Answer> answers) {
        }
        Requests requests;
        try {
            requests = inTransaction(connection -> {
                Long token = null;
                String cancel = null;
                long turns = 0;
                boolean gone;
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT token, cancel_reason, turn FROM motus_sessions WHERE id = ?")) {
                    select.setString(1, sessionId);
                    try (ResultSet rows = select.executeQuery()) {
                        gone = !rows.next();
                        if (!gone) {
                            token = rows.getObject(1, Long.class);
                            cancel = rows.getString(2);
                            turns = rows.getLong(3);
                        }
                    }
                }
                List<Answer> answers = new ArrayList<>();
                try (PreparedStatement take = connection.prepareStatement("""
                        DELETE FROM motus_answers WHERE session_id = ? AND token = ?
                        RETURNING interrupt_id, value, all_answered""")) {
                    take.setString(1, sessionId);
                    take.setLong(2, mine.turn.token());
                    try (ResultSet rows = take.executeQuery()) {
                        while (rows.next()) {
                            answers.add(new Answer(rows.getString(1), Rows.json(rows.getString(2)), rows.getBoolean(3)));
                        }
                    }
                }
                return new Requests(gone, turns, token, cancel, answers);
            });
        } catch (SessionException unavailable) {
            return;
        }
        if (requests.gone()) {
            cancelHere(mine.turn, DELETED);
        } else if (requests.token() != null && requests.token() != mine.turn.token() && requests.turns() > mine.turn.number()) {
            cancelHere(mine.turn, TurnOutcome.Cancelled.BY_CLIENT); // a message sent with the interrupt strategy replaced it
        } else if (requests.token() == null || requests.token() != mine.turn.token()) {
            cancelHere(mine.turn, LEASE_LOST);
        } else if (requests.cancel() != null) {
            cancelHere(mine.turn, requests.cancel());
        }
        requests.answers().forEach(answer -> deliver(mine, answer.interruptId(), answer.value(), answer.allAnswered()));
    }

    /** Runs {@code work} in one transaction; a database that cannot be reached is {@code STORE_UNAVAILABLE}. */
    <T> T inTransaction(Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                reachable(true);
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(connection, e);
                if (e instanceof StatementFailed statement) {
                    throw statement.failure;
                }
                throw e;
            }
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Runs {@code work} on a connection, each statement on its own. */
    <T> T withConnection(Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            T result = work.run(connection);
            reachable(true);
            return result;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Rolls back after {@code failure}; on a connection that broke, that fails too, and {@code failure} is what counts. */
    private static void rollback(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * A database that cannot be reached (no connection, or it went away mid-statement) is
     * {@code STORE_UNAVAILABLE}, which clients see as 503 and may retry; anything else is a bug.
     */
    private RuntimeException failed(SQLException e) {
        // The database's own refusals carry a state; the pool's and the driver's connection troubles often do not.
        String state = e.getSQLState();
        boolean unreachable = state == null || e instanceof SQLTransientConnectionException || e instanceof SQLRecoverableException
                || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53");
        if (!unreachable) {
            return new IllegalStateException("session store: " + e.getMessage(), e);
        }
        reachable(false);
        return new SessionException(SessionException.Reason.STORE_UNAVAILABLE,
                "Session store unavailable: " + rootMessage(e));
    }

    private void reachable(boolean now) {
        if (reachable != now) {
            reachable = now;
            LOG.log(now ? Level.INFO : Level.WARNING, now ? "session store reachable" : "session store unreachable");
        }
    }

    /** The session's row, or null if there is none, on a connection of its own. */
    @Nullable SessionRecord read(String id) {
        return withConnection(connection -> read(connection, id));
    }

    /** The session's row, or null if there is none. */
    static @Nullable SessionRecord read(Connection connection, String id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + Rows.COLUMNS + " FROM motus_sessions WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Rows.record(rows) : null;
            }
        }
    }

    static void notify(Connection connection, char kind, String sessionId) throws SQLException {
        try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, Notifications.CHANNEL);
            notify.setString(2, kind + ":" + sessionId);
            notify.execute();
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }

    private static List<String> ids(PreparedStatement returningIds) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (ResultSet rows = returningIds.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
