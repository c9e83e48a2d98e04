package motus.serve.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.api.ChatMessage;
import motus.serve.worker.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * A session in this server's memory. Every change happens under the session's lock, so the
 * lifecycle rules are each a single check-and-set.
 */
final class MemorySession implements Session {

    private final String id;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    private SessionStatus status = SessionStatus.IDLE;
    private @Nullable ChatMessage response;
    private @Nullable String error;
    private List<ChatMessage> state;
    private final StoredBytes stored;
    /** What {@link #state} counts against {@link #stored}; 0 once deleted. */
    private long stateBytes;
    private long lastActivityNanos;
    private @Nullable Turn turn;
    private final Map<String, Interrupt> interrupts = new LinkedHashMap<>();
    private @Nullable TurnEvents events;
    private long turns;
    private boolean deleted;

    /** @throws SessionException {@code STORAGE_FULL} if {@code stored} has no room for the state */
    MemorySession(String id, List<ChatMessage> state, StoredBytes stored, long nowNanos) {
        this.id = id;
        this.state = List.copyOf(state);
        this.stored = stored;
        this.stateBytes = StateSize.of(this.state);
        stored.add(stateBytes);
        this.lastActivityNanos = nowNanos;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public SessionView view() {
        lock.lock();
        try {
            return viewLocked();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<ChatMessage> state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Turn startTurn(ChatMessage message, @Nullable Webhook webhook) {
        lock.lock();
        try {
            requireNotDeletedLocked();
            if (status == SessionStatus.RUNNING) {
                throw new SessionException(SessionException.Reason.RUNNING);
            }
            if (status == SessionStatus.INTERRUPTED) {
                throw new SessionException(SessionException.Reason.INTERRUPTED);
            }
            status = SessionStatus.RUNNING;
            response = null;
            error = null;
            turn = new Turn(id, ++turns, message, state, webhook);
            events = new TurnEvents(turns, EventLog.MAX_AGENT_BYTES);
            return turn;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable SessionView commit(Turn finished, TurnOutcome outcome) {
        lock.lock();
        try {
            if (deleted || turn != finished) {
                return null;
            }
            interrupts.clear();
            // A success whose state does not fit in the store's limit ends as a failure.
            String failure = outcome instanceof TurnOutcome.Succeeded success ? take(success) : outcome.error();
            if (failure == null) {
                status = SessionStatus.IDLE;
                response = ((TurnOutcome.Succeeded) outcome).response();
            } else {
                status = SessionStatus.ERROR;
                error = failure;
            }
            turn = null;
            lastActivityNanos = System.nanoTime();
            changed.signalAll();
            SessionView view = viewLocked();
            if (events != null) {
                events.end(view);
            }
            return view;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes the turn's state the session's if the store has room for it.
     *
     * @return null if it did, else why not: the turn's error
     */
    private @Nullable String take(TurnOutcome.Succeeded success) {
        try {
            stored.add(success.stateBytes() - stateBytes);
        } catch (SessionException full) {
            return "The turn's new state does not fit, and the session keeps the one it had. " + full.getMessage();
        }
        state = success.state();
        stateBytes = success.stateBytes();
        return null;
    }

    @Override
    public void turnStarted(Turn started) {
        lock.lock();
        try {
            if (turn == started && events != null) {
                events.server("started", Json.MAPPER.createObjectNode().put("session_id", id));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void turnEvent(Turn reporting, String name, ObjectNode data) {
        lock.lock();
        try {
            if (turn == reporting && events != null) {
                events.agent(name, data);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable SessionView interrupt(Turn asking, Interrupt interrupt) {
        lock.lock();
        try {
            if (deleted || turn != asking) {
                return null;
            }
            interrupts.put(interrupt.id(), interrupt);
            status = SessionStatus.INTERRUPTED;
            changed.signalAll();
            ObjectNode data = Json.MAPPER.createObjectNode();
            data.set("interrupts", Interrupt.json(interrupts.values()));
            events.server("interrupted", data);
            return viewLocked();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SessionStatus resume(String interruptId, JsonNode value) {
        Turn answered;
        SessionStatus after;
        lock.lock();
        try {
            requireNotDeletedLocked();
            if (status != SessionStatus.INTERRUPTED) {
                throw new SessionException(SessionException.Reason.NOT_INTERRUPTED,
                        "Session is " + status.wireName() + ", not interrupted");
            }
            if (interrupts.remove(interruptId) == null) {
                throw new SessionException(SessionException.Reason.UNKNOWN_INTERRUPT, "Unknown interrupt_id: " + interruptId);
            }
            if (interrupts.isEmpty()) {
                status = SessionStatus.RUNNING;
            }
            events.server("resumed", Json.MAPPER.createObjectNode().put("interrupt_id", interruptId));
            changed.signalAll();
            answered = turn;
            after = status;
        } finally {
            lock.unlock();
        }
        answered.answer(interruptId, value, after == SessionStatus.RUNNING);
        return after;
    }

    @Override
    public void cancel(String reason) {
        runningTurn().cancel(reason);
    }

    private Turn runningTurn() {
        lock.lock();
        try {
            requireNotDeletedLocked();
            if (turn == null) {
                throw new SessionException(SessionException.Reason.NOT_RUNNING,
                        "Session is " + status.wireName() + ", not running");
            }
            return turn;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public EventLog events() {
        lock.lock();
        try {
            requireNotDeletedLocked();
            return events != null ? events : TurnEvents.none(viewLocked());
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
            releaseLocked();
            Turn running = turn;
            turn = null;
            changed.signalAll();
            if (running != null && events != null) {
                // Streams of the turn end too: the session is gone, and so is what the turn would have left.
                events.end(new SessionView(id, SessionStatus.ERROR, null, "Session deleted", state));
            }
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the session if it has been inactive, and not running, for longer than {@code ttlNanos}. */
    boolean expireIfIdleSince(long nowNanos, long ttlNanos) {
        lock.lock();
        try {
            if (deleted || turn != null || nowNanos - lastActivityNanos < ttlNanos) {
                return false;
            }
            deleted = true;
            releaseLocked();
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SessionView awaitNotRunning(long timeoutNanos) throws InterruptedException {
        return await(SessionStatus.RUNNING, timeoutNanos);
    }

    @Override
    public SessionView awaitTurnEnd(long timeoutNanos) throws InterruptedException {
        return await(null, timeoutNanos);
    }

    /** Waits while the status is {@code waitingStatus}, or with null while a turn exists. */
    private SessionView await(@Nullable SessionStatus waitingStatus, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while ((waitingStatus == null ? turn != null : status == waitingStatus) && !deleted) {
                if (timeoutNanos < 0) {
                    changed.await();
                } else if (left <= 0) {
                    break;
                } else {
                    left = changed.awaitNanos(left);
                }
            }
            requireNotDeletedLocked();
            return viewLocked();
        } finally {
            lock.unlock();
        }
    }

    private void releaseLocked() {
        stored.release(stateBytes);
        stateBytes = 0;
    }

    private void requireNotDeletedLocked() {
        if (deleted) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
    }

    private SessionView viewLocked() {
        return new SessionView(id, status, response, error, state, List.copyOf(interrupts.values()));
    }
}
