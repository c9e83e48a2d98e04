package motus.serve.server.turn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.server.observe.ServerMetrics;
import motus.serve.server.session.Interrupt;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionStatus;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnControl;
import motus.serve.server.session.TurnOutcome;
import motus.serve.server.trace.TurnSpan;
import motus.serve.server.trace.Tracing;
import motus.serve.server.workers.TurnHandle;
import motus.serve.server.workers.WaitingWorkers;
import motus.serve.server.workers.Workers;
import motus.serve.worker.TurnListener;
import motus.serve.worker.Worker;
import motus.serve.worker.WorkerAnswer;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * Runs this server's turns in workers, at most {@code maxWorkers} at once, first come first
 * served: the one owner of a turn from the moment the session's rules start it to its commit.
 * Each turn gets a virtual thread that waits for a slot, gets a worker, hands it the turn and
 * commits the outcome; what clients ask of a running turn reaches it here by its token.
 */
public final class TurnRunner implements TurnControl {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final String CANCELLED = TurnOutcome.Cancelled.BY_CLIENT;

    private final Workers workers;
    private final WaitingWorkers waiting;
    private final int maxWorkers;
    private final Semaphore slots;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    private final WebhookSender webhooks;
    private final ServerMetrics metrics;
    private final Duration interruptTimeout;
    private final long maxSessionBytes;
    private final Tracing tracing;
    private final Map<TurnHandle, Attempt> attempts = new ConcurrentHashMap<>();
    /** The turns that run here, by their tokens (unique across sessions). */
    private final Map<Long, TurnHandle> active = new ConcurrentHashMap<>();
    private final Set<TurnHandle> queued = ConcurrentHashMap.newKeySet();
    private volatile @Nullable String refusal;
    private volatile @Nullable String interruptRefusal;
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();

    /**
     * @param timeout the most a turn may take once it has a slot, not counting time spent
     *                waiting for answers to its interrupts; zero: no limit
     * @param interruptTimeout the most a turn may wait for answers to its interrupts, at a time
     * @param maxSessionBytes a turn that would leave a larger state, as {@code StateSize} counts it, fails
     * @param tracing where each turn's span goes
     */
    public TurnRunner(Workers workers, WaitingWorkers waiting, int maxWorkers, Duration timeout, Duration interruptTimeout,
                      long maxSessionBytes, ScheduledExecutorService timer, WebhookSender webhooks, ServerMetrics metrics,
                      Tracing tracing) {
        this.workers = workers;
        this.waiting = waiting;
        this.maxWorkers = maxWorkers;
        this.slots = new Semaphore(maxWorkers, true);
        this.timeout = timeout;
        this.interruptTimeout = interruptTimeout;
        this.maxSessionBytes = maxSessionBytes;
        this.timer = timer;
        this.webhooks = webhooks;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /**
     * The trace context a turn started now would join: the current span's, an HTTP request's
     * say, as W3C headers, kept with its message until its turn starts; empty when untraced.
     */
    public Map<String, String> traceContext() {
        return tracing.current();
    }

    /** Why a turn's webhook may not go to {@code url}, or null; may resolve its host. */
    public @Nullable String webhookRefusal(String url) {
        return webhooks.refusal(url);
    }

    public int maxWorkers() {
        return maxWorkers;
    }

    /** Workers running a turn right now. */
    public int runningWorkers() {
        return maxWorkers - slots.availablePermits();
    }

    /** Workers alive but running no turn: paused on a question, or kept for their session. */
    public int waitingWorkers() {
        return waiting.count();
    }

    @Override
    public void run(Session session, Turn started) {
        TurnSpan span = tracing.turn(started.sessionId(), started.traceContext());
        TurnHandle turn = new TurnHandle(started, span.logTag());
        active.put(started.token(), turn);
        metrics.turnStarted();
        Thread.ofVirtual().name("motus-turn-" + turn.sessionId()).start(() -> {
            try {
                run(session, turn, span);
            } finally {
                active.remove(started.token());
                idleLock.lock();
                try {
                    idle.signalAll();
                } finally {
                    idleLock.unlock();
                }
            }
        });
    }

    @Override
    public void cancel(String sessionId, long token, String reason) {
        TurnHandle turn = active.get(token);
        if (turn != null && turn.sessionId().equals(sessionId)) {
            turn.cancel(reason);
        }
    }

    @Override
    public void answer(String sessionId, long token, String interruptId, JsonNode value, boolean allAnswered) {
        TurnHandle turn = active.get(token);
        if (turn != null && turn.sessionId().equals(sessionId)) {
            turn.answer(interruptId, value, allAnswered);
        }
    }

    /**
     * Waits until no turn is running, at most {@code max} (zero: no limit).
     *
     * @return whether all turns ended
     */
    public boolean awaitIdle(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        idleLock.lock();
        try {
            while (!active.isEmpty()) {
                if (max.isZero()) {
                    idle.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    idle.awaitNanos(left);
                }
            }
            return true;
        } finally {
            idleLock.unlock();
        }
    }

    /**
     * Starts no more turns: those waiting for a worker slot, now or later, are cancelled with
     * {@code reason}; running ones carry on.
     */
    public void cancelQueued(String reason) {
        refusal = reason;
        queued.forEach(turn -> turn.cancel(reason));
    }

    /**
     * Ends turns that wait for answers to their interrupts, now or later, with {@code reason}:
     * a stop that waits for running turns must not wait for a human.
     */
    public void cancelInterrupted(String reason) {
        interruptRefusal = reason;
        attempts.values().forEach(Attempt::cancelIfInterrupted);
    }

    /** Cancels every turn still queued or running; their workers are killed at once. */
    public void cancelAll(String reason) {
        active.values().forEach(turn -> turn.cancel(reason));
    }

    private void run(Session session, TurnHandle turn, TurnSpan span) {
        long started = System.nanoTime();
        TurnOutcome outcome;
        SessionView committed;
        long ended;
        long inputTokens;
        long outputTokens;
        try (Attempt attempt = new Attempt(session, turn, span)) {
            attempts.put(turn, attempt);
            outcome = turn.outcome(answerOf(turn, attempt));
            // Kept before the commit wakes the client, whose next message may follow at once.
            boolean kept = outcome instanceof TurnOutcome.Succeeded && attempt.keepWorker();
            if (!(outcome instanceof TurnOutcome.Succeeded)) {
                // Gone before the client's next message too, rather than after the commit like a
                // success's (that saves a turn's latency the kill): counted busy still, it made the
                // pool evict another session's kept worker (isolation per session) to start the next.
                attempt.releaseWorker();
            }
            // Committed before the worker is reaped: the client is not kept waiting for clean-up.
            ended = System.nanoTime();
            // Logged before the commit wakes the client: its next request (a delete, say) logs after.
            log(turn, outcome, Duration.ofNanos(ended - started));
            try (var step = span.step("motus.commit", Map.of())) {
                committed = commit(session, turn, outcome);
            }
            if (kept && committed == null) {
                workers.sessionEnded(turn.sessionId()); // deleted meanwhile: so is the worker kept for it
            }
            inputTokens = attempt.inputTokens.get();
            outputTokens = attempt.outputTokens.get();
        }
        span.end(inputTokens, outputTokens, errorType(outcome), outcome instanceof TurnOutcome.Succeeded ? null : outcome.error());
        // Up to the commit, which is when the client sees the end; the worker's clean-up comes after.
        metrics.turnFinished(outcome, committed == null, Duration.ofNanos(ended - started));
        metrics.tokens(inputTokens, outputTokens);
        if (committed == null && outcome instanceof TurnOutcome.Cancelled cancelled) {
            // Deleted: nothing was committed, but the webhook still learns how the turn ended.
            committed = new SessionView(turn.sessionId(), SessionStatus.ERROR, null, cancelled.reason(), turn.turn().state());
        } else if (committed == null) {
            LOG.log(Level.INFO, "[{0}] the turn''s outcome is discarded: its session was deleted, or the turn ended meanwhile",
                    turn.sessionId());
            return;
        }
        if (turn.turn().webhook() != null) {
            webhooks.send(turn.turn().webhook(), committed, new TraceMetrics(span.traceId(),
                    Duration.ofNanos(ended - started), inputTokens + outputTokens, !(outcome instanceof TurnOutcome.Succeeded)),
                    span.context());
        }
    }

    /** The span's low-cardinality {@code error.type}: the agent's exception's name where the error starts with one. */
    private static @Nullable String errorType(TurnOutcome outcome) {
        return switch (outcome) {
            case TurnOutcome.Succeeded succeeded -> null;
            case TurnOutcome.Cancelled cancelled -> "cancelled";
            case TurnOutcome.TimedOut timedOut -> "timeout";
            case TurnOutcome.Failed failed -> {
                String first = failed.error().split("[: ]", 2)[0];
                yield first.matches("[A-Z][A-Za-z0-9_$]*(Exception|Error)") ? first : "turn_failed";
            }
        };
    }

    private static void log(TurnHandle turn, TurnOutcome outcome, Duration duration) {
        switch (outcome) {
            case TurnOutcome.Cancelled cancelled -> LOG.log(Level.INFO, "[{0}] turn cancelled after {1,number,#} ms: {2}",
                    turn.tag(), duration.toMillis(), cancelled.reason());
            case TurnOutcome.Succeeded succeeded -> LOG.log(Level.INFO, "[{0}] turn succeeded in {1,number,#} ms",
                    turn.tag(), duration.toMillis());
            case TurnOutcome.Failed failed -> LOG.log(Level.WARNING, "[{0}] turn failed after {1,number,#} ms: {2}{3}",
                    turn.tag(), duration.toMillis(), failed.error(), failed.trace() == null ? "" : "\n" + failed.trace());
            case TurnOutcome.TimedOut timedOut -> LOG.log(Level.WARNING, "[{0}] turn failed after {1,number,#} ms: {2}",
                    turn.tag(), duration.toMillis(), timedOut.error());
        }
    }

    /**
     * The worker's outcome. Whatever fails in this thread meanwhile (an OutOfMemoryError while it
     * reads a huge answer, say) fails the turn: nothing else would end it, and its session would
     * stay running for good.
     */
    private TurnOutcome answerOf(TurnHandle turn, Attempt attempt) {
        try {
            return runInWorker(turn, attempt);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "[" + turn.tag() + "] the server failed running the turn", e);
            return new TurnOutcome.Failed("The server failed running the turn: " + describe(e));
        }
    }

    /**
     * Commits the outcome; if that fails (out of memory, say), commits a failure that keeps the
     * state, so that the session leaves {@code running}. A shared store whose commit fails ends the
     * turn anyway once its lease runs out.
     */
    private @Nullable SessionView commit(Session session, TurnHandle turn, TurnOutcome outcome) {
        try {
            return session.commit(turn.turn(), outcome);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "[" + turn.tag() + "] the turn's outcome could not be committed", e);
            return session.commit(turn.turn(), new TurnOutcome.Failed("The server could not commit the turn: " + describe(e)));
        }
    }

    /** As a turn's error reads: {@code OutOfMemoryError: Java heap space}. */
    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** The worker's outcome; a cancel or the timeout, which {@link Turn#outcome} reports, may overrule it. */
    private TurnOutcome runInWorker(TurnHandle turn, Attempt attempt) {
        turn.waitingFor(Thread.currentThread());
        queued.add(turn);
        try (var step = attempt.span.step("motus.wait_for_slot", Map.of())) {
            slots.acquire();
            attempt.gotSlot();
        } catch (InterruptedException e) {
            return new TurnOutcome.Cancelled(CANCELLED); // a cancel woke us; its reason wins
        } finally {
            queued.remove(turn);
            turn.waitingFor(null);
        }
        Thread.interrupted(); // a cancel that raced the acquire is seen through Turn.outcome
        String refused = refusal;
        if (refused != null) {
            turn.cancel(refused); // queued when cancelQueued looked, or just after
        }
        if (turn.isEnded()) {
            return new TurnOutcome.Cancelled(CANCELLED);
        }
        LOG.log(Level.INFO, "[{0}] turn started", turn.tag());
        attempt.startClock();
        Worker worker;
        try (var step = attempt.span.step("motus.acquire_worker", Map.of())) {
            worker = workers.acquire(turn);
        } catch (WorkerStartException e) {
            return new TurnOutcome.Failed(e.getMessage());
        }
        if (worker == null) {
            return new TurnOutcome.Cancelled(CANCELLED);
        }
        attempt.worker = worker;
        attempt.session.turnStarted(turn.turn());
        return switch (worker.runTurn(turn.sessionId(), turn.turn().message(), turn.turn().state(), attempt.span.context(),
                attempt)) {
            case WorkerAnswer.Success success -> {
                TurnOutcome.Succeeded succeeded = new TurnOutcome.Succeeded(success.response(), success.state());
                yield succeeded.stateBytes() <= maxSessionBytes ? succeeded
                        : new TurnOutcome.Failed("The turn's new state is " + succeeded.stateBytes() + " bytes, over the"
                                + " server's limit of " + maxSessionBytes + " bytes for one session (max-session-bytes);"
                                + " the session keeps the state it had");
            }
            case WorkerAnswer.Failure failure -> new TurnOutcome.Failed(failure.error(), failure.trace());
        };
    }

    /**
     * What a turn holds until it is settled: its clocks, its worker and its worker slot. It
     * also hears what the worker reports while it runs.
     */
    private final class Attempt implements TurnListener, AutoCloseable {
        final Session session;
        final TurnHandle turn;
        final TurnSpan span;
        final AtomicLong inputTokens = new AtomicLong();
        final AtomicLong outputTokens = new AtomicLong();
        /** Each interrupt's wait for a human, by its id, until answered. */
        private final Map<String, TurnSpan.Step> humans = new ConcurrentHashMap<>();
        volatile @Nullable Worker worker;
        // The slot: taken once, lent back while a human is asked (see WaitingWorkers), given up with the worker.
        private boolean gotSlot;
        private boolean lentSlot;
        private boolean released;
        // The turn's timeout runs only while no interrupt waits; the interrupt timeout only while one does.
        private @Nullable ScheduledFuture<?> deadline;
        private long timeLeftNanos;
        private long clockStartedNanos;
        private @Nullable ScheduledFuture<?> answerDeadline;
        private boolean closed;

        Attempt(Session session, TurnHandle turn, TurnSpan span) {
            this.session = session;
            this.turn = turn;
            this.span = span;
            this.timeLeftNanos = timeout.toNanos();
            turn.answersTo(this::answer);
        }

        /** A client answered an interrupt, here or on another server sharing the store. */
        private void answer(String interruptId, JsonNode value, boolean allAnswered) {
            synchronized (this) {
                if (closed) {
                    return; // the turn has ended: its clocks must not start again
                }
            }
            TurnSpan.Step human = humans.remove(interruptId);
            if (human != null) {
                human.close();
            }
            boolean lent;
            synchronized (this) {
                lent = allAnswered && lentSlot;
            }
            if (lent) {
                // Running again takes a slot again: waited for on a thread of its own, not the answering client's.
                Thread.ofVirtual().name("motus-resume-" + turn.sessionId()).start(() -> {
                    slots.acquireUninterruptibly();
                    synchronized (this) {
                        if (released) {
                            slots.release(); // the turn ended meanwhile
                            return;
                        }
                        lentSlot = false;
                        waiting.resumed();
                    }
                    answered();
                    resume(interruptId, value);
                });
                return;
            }
            if (allAnswered) {
                answered();
            }
            resume(interruptId, value);
        }

        private void resume(String interruptId, JsonNode value) {
            try {
                Worker running = worker;
                if (running != null) {
                    running.resume(interruptId, value);
                }
            } catch (IOException e) {
                // The worker is gone: the turn ends with its own error.
            }
        }

        synchronized void gotSlot() {
            gotSlot = true;
        }

        synchronized void startClock() {
            if (!timeout.isZero()) {
                clockStartedNanos = System.nanoTime();
                deadline = timer.schedule(turn::timeOut, timeLeftNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void event(String name, ObjectNode data) {
            session.turnEvent(turn.turn(), name, data);
        }

        @Override
        public void usage(long input, long output) {
            inputTokens.addAndGet(input);
            outputTokens.addAndGet(output);
        }

        @Override
        public void spans(ArrayNode spans) {
            span.workerSpans(spans);
        }

        @Override
        public void interrupted(String interruptId, ObjectNode payload) {
            String refused = interruptRefusal;
            if (refused != null) {
                turn.cancel(refused);
                return;
            }
            synchronized (this) {
                if (deadline != null && deadline.cancel(false)) {
                    timeLeftNanos -= System.nanoTime() - clockStartedNanos;
                    deadline = null;
                }
                if (answerDeadline == null) {
                    answerDeadline = timer.schedule(() -> turn.cancel(unanswered()), interruptTimeout.toNanos(),
                            TimeUnit.NANOSECONDS);
                }
                // A worker waiting for a human holds memory, not CPU: its slot goes to other turns meanwhile.
                if (gotSlot && !released && !lentSlot && waiting.tryPause()) {
                    lentSlot = true;
                    slots.release();
                }
            }
            metrics.interrupted();
            Interrupt asked = Interrupt.of(interruptId, payload);
            humans.put(interruptId, span.step("motus.await_human", Map.of("motus.interrupt.id", interruptId,
                    "motus.interrupt.type", asked.type())));
            SessionView interrupted = session.interrupt(turn.turn(), asked);
            if (interrupted != null) {
                LOG.log(Level.INFO, "[{0}] turn interrupted: {1}", turn.tag(), asked.type());
                if (turn.turn().webhook() != null) {
                    webhooks.send(turn.turn().webhook(), interrupted, null, span.context());
                }
            }
        }

        /** Offers the worker of a turn that succeeded for its session's next turn; once kept, it is no longer ours. */
        boolean keepWorker() {
            Worker running = worker;
            if (running != null && workers.keep(turn, running)) {
                worker = null;
                return true;
            }
            return false;
        }

        synchronized void cancelIfInterrupted() {
            if (answerDeadline != null) {
                turn.cancel(interruptRefusal);
            }
        }

        /** Every interrupt is answered: the turn's clock runs on. */
        synchronized void answered() {
            if (answerDeadline != null) {
                answerDeadline.cancel(false);
                answerDeadline = null;
            }
            if (deadline == null) {
                startClock();
            }
        }

        private String unanswered() {
            return "Turn ended: no answer to its interrupt within " + interruptTimeout.toSeconds()
                    + " s (interrupt-timeout)";
        }

        @Override
        public void close() {
            attempts.remove(turn);
            humans.values().forEach(TurnSpan.Step::close); // unanswered: the turn ended meanwhile
            humans.clear();
            synchronized (this) {
                closed = true;
                if (deadline != null) {
                    deadline.cancel(false);
                }
                if (answerDeadline != null) {
                    answerDeadline.cancel(false);
                }
            }
            releaseWorker();
        }

        /** Ends the turn's worker, unless it was kept, and frees its slot; once. */
        void releaseWorker() {
            boolean lent;
            synchronized (this) {
                if (!gotSlot || released) {
                    return;
                }
                released = true;
                lent = lentSlot;
                lentSlot = false;
            }
            workers.release(turn, worker);
            if (lent) {
                waiting.resumed();
            } else {
                slots.release();
            }
        }
    }
}
