package motus.serve.server.session;

import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.api.ChatMessage;
import org.jspecify.annotations.Nullable;

/**
 * One conversation. Every change happens under the session's lock, so the lifecycle rules
 * (one turn at a time, a deleted session never comes back, only the current turn commits)
 * are each a single check-and-set.
 */
public final class Session {

    private final String id;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    private SessionStatus status = SessionStatus.IDLE;
    private @Nullable ChatMessage response;
    private @Nullable String error;
    private List<ChatMessage> state;
    private long lastActivityNanos;
    private @Nullable Turn turn;
    private boolean deleted;

    Session(String id, List<ChatMessage> state, long nowNanos) {
        this.id = id;
        this.state = List.copyOf(state);
        this.lastActivityNanos = nowNanos;
    }

    public String id() {
        return id;
    }

    public SessionView view() {
        lock.lock();
        try {
            return viewLocked();
        } finally {
            lock.unlock();
        }
    }

    public List<ChatMessage> state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts a turn if the session is not running: the contract's atomic 409 rule.
     *
     * @throws SessionException {@code RUNNING} if a turn is running, {@code NOT_FOUND} if the session was deleted meanwhile
     */
    public Turn startTurn(ChatMessage message, @Nullable Webhook webhook) {
        lock.lock();
        try {
            if (deleted) {
                throw new SessionException(SessionException.Reason.NOT_FOUND);
            }
            if (status == SessionStatus.RUNNING) {
                throw new SessionException(SessionException.Reason.RUNNING);
            }
            status = SessionStatus.RUNNING;
            response = null;
            error = null;
            turn = new Turn(id, message, state, webhook);
            return turn;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Commits a turn's outcome, unless the turn is no longer the session's (deleted).
     *
     * @return the session as committed, the snapshot that waiters and the webhook report; null
     *         if the outcome was discarded
     */
    public @Nullable SessionView commit(Turn finished, TurnOutcome outcome, long nowNanos) {
        lock.lock();
        try {
            if (deleted || turn != finished) {
                return null;
            }
            if (outcome instanceof TurnOutcome.Succeeded success) {
                status = SessionStatus.IDLE;
                response = success.response();
                state = success.state();
            } else {
                status = SessionStatus.ERROR;
                error = outcome.error();
            }
            turn = null;
            lastActivityNanos = nowNanos;
            changed.signalAll();
            return viewLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks the session deleted and wakes its waiters.
     *
     * @return the turn that was running, to cancel, or null
     */
    @Nullable Turn delete() {
        lock.lock();
        try {
            deleted = true;
            Turn running = turn;
            turn = null;
            changed.signalAll();
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the session if it has been inactive, and not running, for longer than {@code ttlNanos}. */
    boolean expireIfIdleSince(long nowNanos, long ttlNanos) {
        lock.lock();
        try {
            if (deleted || status == SessionStatus.RUNNING || nowNanos - lastActivityNanos < ttlNanos) {
                return false;
            }
            deleted = true;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits while the session is running, at most {@code timeoutNanos} (negative: no limit).
     *
     * @throws SessionException {@code NOT_FOUND} if the session is deleted while waiting
     */
    public SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (status == SessionStatus.RUNNING && !deleted) {
                if (timeoutNanos < 0) {
                    changed.await();
                } else if (left <= 0) {
                    break;
                } else {
                    left = changed.awaitNanos(left);
                }
            }
            if (deleted) {
                throw new SessionException(SessionException.Reason.NOT_FOUND);
            }
            return viewLocked();
        } finally {
            lock.unlock();
        }
    }

    private SessionView viewLocked() {
        return new SessionView(id, status, response, error, state);
    }
}
