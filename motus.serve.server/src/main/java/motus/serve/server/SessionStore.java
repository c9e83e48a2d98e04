package motus.serve.server;

import io.helidon.http.Status;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** The sessions of one server, in memory. */
final class SessionStore {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final int maxSessions;
    // Creation alone is serialised, so that the max_sessions check and the insert are one step.
    private final ReentrantLock creating = new ReentrantLock();

    SessionStore(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    /**
     * Creates a session.
     *
     * @param id the client's id, or null for a random UUID
     * @throws HttpProblem 409 if the id exists, 503 if the server holds max_sessions already
     */
    Session create(@Nullable String id, List<ChatMessage> state) {
        creating.lock();
        try {
            if (maxSessions > 0 && sessions.size() >= maxSessions) {
                throw new HttpProblem(Status.SERVICE_UNAVAILABLE_503, "Maximum number of sessions reached");
            }
            String sessionId = id == null ? UUID.randomUUID().toString() : id;
            Session session = new Session(sessionId, state, System.nanoTime());
            if (sessions.putIfAbsent(sessionId, session) != null) {
                throw new HttpProblem(Status.CONFLICT_409, "Session already exists");
            }
            LOG.log(Level.INFO, "[{0}] session created", sessionId);
            return session;
        } finally {
            creating.unlock();
        }
    }

    /** @throws HttpProblem 404 if there is no such session */
    Session get(String id) {
        Session session = sessions.get(id);
        if (session == null) {
            throw HttpProblem.sessionNotFound();
        }
        return session;
    }

    /**
     * Deletes a session; a turn it is running is cancelled and its worker killed.
     *
     * @throws HttpProblem 404 if there is no such session
     */
    void delete(String id) {
        Session session = sessions.remove(id);
        if (session == null) {
            throw HttpProblem.sessionNotFound();
        }
        Turn running = session.delete();
        if (running != null) {
            running.cancel("Turn cancelled: session deleted");
        }
        LOG.log(Level.INFO, "[{0}] session deleted", id);
    }

    Collection<Session> all() {
        return sessions.values();
    }

    int size() {
        return sessions.size();
    }

    /** Removes idle and error sessions whose last activity is older than {@code ttl}. */
    void expire(Duration ttl) {
        long now = System.nanoTime();
        for (Session session : sessions.values()) {
            if (session.expireIfIdleSince(now, ttl.toNanos())) {
                sessions.remove(session.id, session);
                LOG.log(Level.INFO, "[{0}] session expired", session.id);
            }
        }
    }
}
