package motus.serve.server.session;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/** The sessions of one server, in its memory: gone when it stops. */
public final class MemorySessionStore implements SessionStore {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final ConcurrentHashMap<String, MemorySession> sessions = new ConcurrentHashMap<>();
    private final int maxSessions;
    private final StoredBytes stored;
    private final Consumer<String> onEnded;
    private final SessionRules rules;
    private final TurnControl control;
    private final AtomicLong tokens = new AtomicLong();
    // Creation alone is serialised, so that the max_sessions check and the insert are one step.
    private final ReentrantLock creating = new ReentrantLock();

    /** Without limits on the state sessions hold or on their queues. */
    public MemorySessionStore(int maxSessions, TurnControl control, Consumer<String> onEnded) {
        this(maxSessions, Long.MAX_VALUE, new SessionRules(Integer.MAX_VALUE), control, onEnded);
    }

    /**
     * @param maxStoredBytes the most state, as {@link StateSize} counts it, that all sessions may hold
     * @param control runs the turns the rules start, and hears what clients ask of them
     * @param onEnded told the id of each session deleted or expired, after it is gone
     */
    public MemorySessionStore(int maxSessions, long maxStoredBytes, SessionRules rules, TurnControl control,
                              Consumer<String> onEnded) {
        this.maxSessions = maxSessions;
        this.stored = new StoredBytes(maxStoredBytes);
        this.rules = rules;
        this.control = control;
        this.onEnded = onEnded;
    }

    /** The state all sessions hold now, as {@link StateSize} counts it. */
    public long storedBytes() {
        return stored.total();
    }

    @Override
    public Session create(@Nullable String id, List<ChatMessage> state, @Nullable String owner) {
        creating.lock();
        try {
            if (maxSessions > 0 && sessions.size() >= maxSessions) {
                throw new SessionException(SessionException.Reason.TOO_MANY);
            }
            String sessionId = id == null ? UUID.randomUUID().toString() : id;
            if (sessions.containsKey(sessionId)) {
                throw new SessionException(SessionException.Reason.ALREADY_EXISTS);
            }
            MemorySession session = new MemorySession(sessionId, owner, state, rules, control, tokens::incrementAndGet, stored,
                    System.nanoTime());
            sessions.put(sessionId, session);
            LOG.log(Level.INFO, "[{0}] session created", sessionId);
            return session;
        } finally {
            creating.unlock();
        }
    }

    @Override
    public Session get(String id) {
        MemorySession session = sessions.get(id);
        if (session == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        return session;
    }

    @Override
    public Session byTurn(String turnId) {
        // A scan: sessions are at most max-sessions, and a lookup by turn is a protocol's rare read.
        for (MemorySession session : sessions.values()) {
            if (session.view().turn(turnId).isPresent()) {
                return session;
            }
        }
        throw new SessionException(SessionException.Reason.NOT_FOUND);
    }

    @Override
    public void delete(String id) {
        MemorySession session = sessions.remove(id);
        if (session == null) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
        session.delete(); // cancels its turn, and gives its state's bytes back
        onEnded.accept(id);
        LOG.log(Level.INFO, "[{0}] session deleted", id);
    }

    @Override
    public List<SessionView> list() {
        return sessions.values().stream().map(MemorySession::view).toList();
    }

    @Override
    public int size() {
        return sessions.size();
    }

    @Override
    public void sweep(Duration ttl) {
        if (ttl.isZero()) {
            return;
        }
        long now = System.nanoTime();
        for (MemorySession session : sessions.values()) {
            if (session.expireIfIdleSince(now, ttl.toNanos())) {
                sessions.remove(session.id(), session);
                onEnded.accept(session.id());
                LOG.log(Level.INFO, "[{0}] session expired", session.id());
            }
        }
    }

    @Override
    public void close() {
        // nothing held but memory
    }
}
