package motus.serve.server.store;

import java.lang.System.Logger.Level;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import javax.sql.DataSource;

/**
 * What the servers sharing a store tell each other, over PostgreSQL's LISTEN/NOTIFY on one
 * channel: a payload is a kind letter, a colon and a session id. Waiters in this server wake on
 * their session's notifications; callers also re-read at least every {@link #BACKSTOP}, so a
 * notification lost while the listening connection was down delays them, never strands them.
 */
final class Notifications implements AutoCloseable {

    static final String CHANNEL = "motus_sessions";
    /** The longest a waiter goes without looking at the database again. */
    static final Duration BACKSTOP = Duration.ofSeconds(1);

    /** A session changed: its status, its interrupts or its events. */
    static final char CHANGED = 'C';
    /** A session was deleted or expired. */
    static final char DELETED = 'D';
    /** A request for the server running the session's turn: a cancel or an answer. */
    static final char REQUEST = 'R';

    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final DataSource pool;
    private final BiConsumer<Character, String> handler;
    private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
    private final Thread listener;
    private volatile boolean closed;

    /** @param handler told every notification's kind and session id, on the listening thread */
    Notifications(DataSource pool, BiConsumer<Character, String> handler) {
        this.pool = pool;
        this.handler = handler;
        this.listener = Thread.ofPlatform().name("motus-store-listener").daemon().start(this::listen);
    }

    /**
     * A future that completes at the session's next notification. Take it before reading the
     * session, then wait on it: a change between the read and the wait is not missed.
     */
    CompletableFuture<Void> next(String sessionId) {
        return waiting.computeIfAbsent(sessionId, id -> new CompletableFuture<>());
    }

    /** Waits for {@code next} at most {@code nanos}, and never longer than the backstop. */
    static void await(CompletableFuture<Void> next, long nanos) throws InterruptedException {
        try {
            next.get(Math.min(nanos, BACKSTOP.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // time to look again
        }
    }

    private void wake(String sessionId) {
        CompletableFuture<Void> next = waiting.remove(sessionId);
        if (next != null) {
            next.complete(null);
        }
    }

    private void wakeAll() {
        waiting.keySet().forEach(this::wake);
    }

    private void listen() {
        boolean down = false;
        while (!closed) {
            try (Connection connection = pool.getConnection(); Statement sql = connection.createStatement()) {
                sql.execute("LISTEN " + CHANNEL);
                if (down) {
                    LOG.log(Level.INFO, "session store reachable again");
                    down = false;
                }
                wakeAll(); // whatever changed while we were not listening
                Receiver receiver = new Receiver(connection);
                while (!closed) {
                    for (String payload : receiver.receive(BACKSTOP)) {
                        if (payload.length() > 2 && payload.charAt(1) == ':') {
                            String sessionId = payload.substring(2);
                            wake(sessionId);
                            handler.accept(payload.charAt(0), sessionId);
                        }
                    }
                }
            } catch (SQLException e) {
                if (!closed && !down) {
                    LOG.log(Level.WARNING, "session store unreachable, listening again once it is back: {0}", e.getMessage());
                    down = true;
                }
                sleep();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "session store listener failed; it restarts", e);
                sleep();
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(BACKSTOP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
        wakeAll();
    }

    /**
     * pgjdbc's {@code PGConnection.getNotifications(int)}, called reflectively: the driver is
     * not a module and sits on the class path, where this module cannot name its types.
     */
    private static final class Receiver {
        private final Object connection;
        private final Method getNotifications;
        private final Method getParameter;

        Receiver(Connection pooled) throws SQLException {
            try {
                ClassLoader driver = pooled.unwrap(Connection.class).getClass().getClassLoader();
                Class<?> pgConnection = Class.forName("org.postgresql.PGConnection", false, driver);
                this.connection = pooled.unwrap(pgConnection);
                this.getNotifications = pgConnection.getMethod("getNotifications", int.class);
                this.getParameter = Class.forName("org.postgresql.PGNotification", false, driver).getMethod("getParameter");
            } catch (ClassNotFoundException | NoSuchMethodException e) {
                throw new IllegalStateException("the JDBC driver is not pgjdbc: " + e, e);
            }
        }

        /** The payloads that arrive within {@code wait}; none if none does. */
        String[] receive(Duration wait) throws SQLException {
            try {
                Object notifications = getNotifications.invoke(connection, (int) wait.toMillis());
                int count = notifications == null ? 0 : Array.getLength(notifications);
                String[] payloads = new String[count];
                for (int i = 0; i < count; i++) {
                    payloads[i] = (String) getParameter.invoke(Array.get(notifications, i));
                }
                return payloads;
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof SQLException sql) {
                    throw sql;
                }
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
