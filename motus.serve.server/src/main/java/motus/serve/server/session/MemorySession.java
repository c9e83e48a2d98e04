package motus.serve.server.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import motus.serve.api.ChatMessage;
import motus.serve.server.session.SessionRules.Step;
import motus.serve.wire.Json;
import org.jspecify.annotations.Nullable;

/**
 * A session in this server's memory: its record, replaced by each step of the rules under the
 * session's lock, and the log of its latest turn.
 */
final class MemorySession implements Session {

    private final String id;
    private final SessionRules rules;
    private final TurnControl control;
    private final LongSupplier tokens;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    private SessionRecord record;
    private final StoredBytes stored;
    /** What the record's state counts against {@link #stored}; 0 once deleted. */
    private long stateBytes;
    /** What the turns it remembers count: they may hold messages the state no longer does. */
    private long historyBytes;
    private long lastActivityNanos;
    private @Nullable TurnEvents events;
    /** The log of the turn before, for whoever waits on its end after a queued turn started. */
    private @Nullable TurnEvents previous;
    private boolean deleted;

    /** @throws SessionException {@code STORAGE_FULL} if {@code stored} has no room for the state */
    MemorySession(String id, @Nullable String owner, List<ChatMessage> state, SessionRules rules, TurnControl control, LongSupplier tokens,
                  StoredBytes stored, long nowNanos) {
        this.id = id;
        this.rules = rules;
        this.control = control;
        this.tokens = tokens;
        this.record = SessionRecord.created(id, owner, state);
        this.stored = stored;
        this.stateBytes = StateSize.of(record.state());
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
            return record.view();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<ChatMessage> state() {
        return view().state();
    }

    @Override
    public Sent send(Incoming incoming, MultitaskStrategy strategy) {
        Step step;
        EventLog log;
        lock.lock();
        try {
            requireNotDeletedLocked();
            step = rules.send(record, incoming, strategy, tokens);
            saveLocked(step);
            log = step.started() != null ? events : null;
        } finally {
            lock.unlock();
        }
        stopCancelled(step);
        return new Sent(step.started(), log, step.queuedAt());
    }

    @Override
    public @Nullable SessionView commit(Turn finished, TurnOutcome outcome) {
        Step step;
        lock.lock();
        try {
            if (deleted) {
                return null;
            }
            step = rules.commit(record, finished.token(), outcome, tokens);
            if (step.ended() == null) {
                return null;
            }
            // A success whose state does not fit in the store's limit ends as a failure.
            String full = outcome instanceof TurnOutcome.Succeeded success ? take(success) : null;
            if (full != null) {
                step = rules.commit(record, finished.token(), new TurnOutcome.Failed(full), tokens);
            }
            lastActivityNanos = System.nanoTime();
            saveLocked(step);
        } finally {
            lock.unlock();
        }
        return step.ended().view();
    }

    /**
     * Counts the success's state instead of the session's, if the store has room for it.
     *
     * @return null if it did, else why not: the turn's error
     */
    private @Nullable String take(TurnOutcome.Succeeded success) {
        try {
            stored.add(success.stateBytes() - stateBytes);
        } catch (SessionException full) {
            return "The turn's new state does not fit, and the session keeps the one it had. " + full.getMessage();
        }
        stateBytes = success.stateBytes();
        return null;
    }

    @Override
    public void turnStarted(Turn started) {
        TurnEvents log = logOf(started);
        if (log != null) {
            log.server("started", Json.MAPPER.createObjectNode().put("session_id", id));
        }
    }

    @Override
    public void turnEvent(Turn reporting, String name, ObjectNode data) {
        TurnEvents log = logOf(reporting);
        if (log != null) {
            log.agent(name, data);
        }
    }

    /** The log of {@code turn} if it is still the session's. */
    private @Nullable TurnEvents logOf(Turn turn) {
        lock.lock();
        try {
            return !deleted && isCurrentLocked(turn) ? events : null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable SessionView interrupt(Turn asking, Interrupt interrupt) {
        lock.lock();
        try {
            if (deleted || !isCurrentLocked(asking)) {
                return null;
            }
            saveLocked(rules.interrupt(record, asking.token(), interrupt));
            ObjectNode data = Json.MAPPER.createObjectNode();
            data.set("interrupts", Interrupt.json(record.interrupts()));
            events.server("interrupted", data);
            return record.view();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SessionStatus resume(String interruptId, JsonNode value) {
        Step step;
        lock.lock();
        try {
            requireNotDeletedLocked();
            step = rules.resume(record, interruptId);
            saveLocked(step);
            events.server("resumed", Json.MAPPER.createObjectNode().put("interrupt_id", interruptId));
        } finally {
            lock.unlock();
        }
        SessionRules.Answered answered = step.answered();
        control.answer(id, answered.token(), interruptId, value, answered.allAnswered());
        return step.next().status();
    }

    @Override
    public long cancel(String reason, @Nullable String turnId) {
        Step step;
        lock.lock();
        try {
            requireNotDeletedLocked();
            step = rules.cancel(record, reason, turnId);
            saveLocked(step);
        } finally {
            lock.unlock();
        }
        stopCancelled(step);
        return step.next().turns();
    }

    @Override
    public EventLog events() {
        lock.lock();
        try {
            requireNotDeletedLocked();
            return events != null ? events : TurnEvents.none(record.view());
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the session: its turn is cancelled and its followers see the end. */
    void delete() {
        Step step;
        lock.lock();
        try {
            deleted = true;
            releaseLocked();
            step = rules.delete(record);
            if (step.ended() != null && events != null) {
                events.end(step.ended().view());
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        stopCancelled(step);
    }

    /** Deletes the session if it has been inactive, and without a turn, for longer than {@code ttlNanos}. */
    boolean expireIfIdleSince(long nowNanos, long ttlNanos) {
        lock.lock();
        try {
            if (deleted || !rules.mayExpire(record) || nowNanos - lastActivityNanos < ttlNanos) {
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
        lock.lock();
        try {
            TurnEvents awaited = record.hasTurn() ? events : null;
            return await(awaited, false, timeoutNanos);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SessionView awaitTurnEnd(long number, long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            TurnEvents awaited = events != null && events.turn() == number ? events
                    : previous != null && previous.turn() == number ? previous : null;
            return await(awaited, true, timeoutNanos);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the turn of {@code awaited} to end (or, unless {@code throughInterrupts}, to be
     * interrupted); its end is what the answer reports, even if a queued turn runs since.
     */
    private SessionView await(@Nullable TurnEvents awaited, boolean throughInterrupts, long timeoutNanos)
            throws InterruptedException {
        long left = timeoutNanos;
        while (awaited != null && !deleted && !awaited.isEnded()
                && (throughInterrupts || record.status() == SessionStatus.RUNNING)) {
            if (timeoutNanos < 0) {
                changed.await();
            } else if (left <= 0) {
                break;
            } else {
                left = changed.awaitNanos(left);
            }
        }
        requireNotDeletedLocked();
        return awaited != null && awaited.isEnded() ? awaited.endView() : record.view();
    }

    /** Makes the step's record the session's: the turn it ended ends its log, the turn it started gets one and runs. */
    private void saveLocked(Step step) {
        if (step.next() == record) {
            return;
        }
        if (step.next().history() != record.history()) {
            long history = StateSize.ofHistory(step.next().history());
            stored.count(history - historyBytes);
            historyBytes = history;
        }
        record = step.next();
        if (step.ended() != null && events != null) {
            events.end(step.ended().view());
        }
        Turn started = step.started();
        if (started != null) {
            previous = events;
            events = new TurnEvents(started.number(), EventLog.MAX_AGENT_BYTES);
            // Under the lock: a delete or cancel right after finds the turn already in hand.
            control.run(this, started);
        }
        changed.signalAll();
    }

    private void stopCancelled(Step step) {
        SessionRules.Cancelled cancelled = step.cancelled();
        if (cancelled != null) {
            control.cancel(id, cancelled.token(), cancelled.reason());
        }
    }

    private boolean isCurrentLocked(Turn turn) {
        Long token = record.token();
        return token != null && token == turn.token();
    }

    private void releaseLocked() {
        stored.release(stateBytes + historyBytes);
        stateBytes = 0;
        historyBytes = 0;
    }

    private void requireNotDeletedLocked() {
        if (deleted) {
            throw new SessionException(SessionException.Reason.NOT_FOUND);
        }
    }
}
