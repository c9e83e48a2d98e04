package motus.serve.server.session;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** The sessions of one server, in memory. */
public final class SessionStore {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final int maxSessions;
    private final Consumer<String> onEnded;
    // Creation alone is serialised, so that the max_sessions check and the insert are one step.
    private final ReentrantLock creating = new ReentrantLock();

    /** @param onEnded told the id of each session deleted or expired, after it is gone */
    public SessionStore(int maxSessions, Consumer<String> onEnded) {
        this.maxSessions = maxSessions;
        this.onEnded = onEnded;
    }

    /**
     * Creates a session.
     *
     * @param id the client's id, or null for a random UUID
     * @throws SessionException {@code ALREADY_EXISTS} if the id exists, {@code TOO_MANY} at max_sessions
     */
    public Session create(@Nullable String id, List<ChatMessage> state) {
        creating.lock();
        try {
            if (maxSessions > 0 && sessions.size() >= maxSessions) {
                throw new SessionException(SessionException.Reason.TOO_MANY);
            }
            String sessionId = id == null ? UUID.randomUUID().toString() : id;
            Session session = new Session(sessionId, state, System.nanoTime());
            if (sessions.putIfAbsent(sessionId, session) != null) {
                throw new SessionException(SessionException.Reason.ALREADY_EXISTS);
            }
            LOG.log(Level.INFO, "[{0}] session created", sessionId);
            return session;
        } finally {
            creating.unlock();
        }
    }

    /** @throws SessionException {@code NOT_FOUND} if there is no such session */
    public Session get(String id) {
        Session session = sessions.get(id);
        if (session == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return session;
    }

    /**
     * Deletes a session; a turn it is running is cancelled and its worker killed.
     *
     * @throws SessionException {@code NOT_FOUND} if there is no such session
     */
    public void delete(String id) {
        Session session = sessions.remove(id);
        if (session == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        Turn running = session.delete();
        if (running != null) {
            running.cancel("Turn cancelled: session deleted");
        }
        onEnded.accept(id);
        LOG.log(Level.INFO, "[{0}] session deleted", id);
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    public int size() {
        return sessions.size();
    }

    /** Removes idle and error sessions whose last activity is older than {@code ttl}. */
    public void expire(Duration ttl) {
        long now = System.nanoTime();
        for (Session session : sessions.values()) {
            if (session.expireIfIdleSince(now, ttl.toNanos())) {
                sessions.remove(session.id(), session);
                onEnded.accept(session.id());
                LOG.log(Level.INFO, "[{0}] session expired", session.id());
            }
        }
    }
}
