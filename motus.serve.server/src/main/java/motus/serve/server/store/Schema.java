package motus.serve.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's tables, created and migrated by the server itself: {@code motus_schema} holds the
 * version, and each migration runs once, in order, in one transaction that holds a lock, so
 * that replicas starting together do it once.
 */
final class Schema {

    /**
     * Each entry takes the schema from its index to the next version; append, never edit.
     * Messages are {@code json}, not {@code jsonb}: kept as sent (jsonb refuses {@code \u0000},
     * which a message may hold) and never queried inside.
     */
    private static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE motus_sessions (
                id            text PRIMARY KEY,
                status        text NOT NULL,
                state         json NOT NULL,
                response      json,
                error         text,
                interrupts    json NOT NULL DEFAULT '[]',
                turn          bigint NOT NULL DEFAULT 0,
                token         bigint,
                owner         text,
                lease_until   timestamptz,
                cancel_reason text,
                last_activity timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX motus_sessions_leases ON motus_sessions (lease_until) WHERE token IS NOT NULL;
            CREATE INDEX motus_sessions_idle ON motus_sessions (last_activity) WHERE token IS NULL;
            CREATE SEQUENCE motus_turn_tokens;
            CREATE TABLE motus_events (
                session_id text NOT NULL REFERENCES motus_sessions ON DELETE CASCADE,
                turn       bigint NOT NULL,
                seq        bigint NOT NULL,
                name       text NOT NULL,
                data       json,
                PRIMARY KEY (session_id, turn, seq)
            );
            CREATE TABLE motus_answers (
                session_id   text NOT NULL REFERENCES motus_sessions ON DELETE CASCADE,
                token        bigint NOT NULL,
                interrupt_id text NOT NULL,
                value        json NOT NULL,
                all_answered boolean NOT NULL,
                PRIMARY KEY (session_id, token, interrupt_id)
            );
            """, """
            ALTER TABLE motus_sessions ADD COLUMN queue json NOT NULL DEFAULT '[]';
            """, """
            ALTER TABLE motus_sessions ADD COLUMN history json NOT NULL DEFAULT '[]',
                                       ADD COLUMN turn_ids text[] NOT NULL DEFAULT '{}';
            CREATE INDEX motus_sessions_turn_ids ON motus_sessions USING gin (turn_ids);
            """, """
            ALTER TABLE motus_sessions ADD COLUMN created_by text;
            """);

    /** The advisory lock that serialises migrations across replicas. */
    private static final long MIGRATION_LOCK = 0x6d6f7475_73000001L;

    private Schema() {
    }

    /**
     * Brings the database's schema to this server's version.
     *
     * @throws IllegalStateException if the database's schema is newer than this server knows
     */
    static void migrate(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        try (Statement sql = connection.createStatement()) {
            sql.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            sql.execute("CREATE TABLE IF NOT EXISTS motus_schema (version integer NOT NULL)");
            int version = 0;
            try (ResultSet rows = sql.executeQuery("SELECT version FROM motus_schema")) {
                if (rows.next()) {
                    version = rows.getInt(1);
                } else {
                    sql.execute("INSERT INTO motus_schema VALUES (0)");
                }
            }
            if (version > MIGRATIONS.size()) {
                throw new IllegalStateException("the session store's schema is version " + version
                        + ", newer than this server's " + MIGRATIONS.size() + ": run a newer motus serve");
            }
            for (int next = version; next < MIGRATIONS.size(); next++) {
                sql.execute(MIGRATIONS.get(next));
            }
            sql.execute("UPDATE motus_schema SET version = " + MIGRATIONS.size());
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }
}
