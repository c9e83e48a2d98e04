package motus.serve.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.worker.TurnOutcome;
import motus.serve.worker.WorkerLauncher;
import motus.serve.worker.WorkerProcess;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * Runs turns in worker processes, at most {@code maxWorkers} at once, first come first served.
 * Each turn gets a virtual thread that waits for a slot, starts a fresh worker, hands it the
 * turn and commits the outcome.
 */
final class TurnRunner {

    static final String TIMED_OUT = "Agent timed out";
    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final WorkerLauncher launcher;
    private final SpareWorkers spares;
    private final WorkerStarts starts;
    private final int maxWorkers;
    private final Semaphore slots;
    private final Duration timeout;
    private final long maxResultBytes;
    private final ScheduledExecutorService timer;
    private final WebhookSender webhooks;
    private final ServerMetrics metrics;
    private final Set<Turn> active = ConcurrentHashMap.newKeySet();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();

    TurnRunner(WorkerLauncher launcher, SpareWorkers spares, WorkerStarts starts, int maxWorkers, Duration timeout,
               long maxResultBytes, ScheduledExecutorService timer, WebhookSender webhooks, ServerMetrics metrics) {
        this.launcher = launcher;
        this.spares = spares;
        this.starts = starts;
        this.maxWorkers = maxWorkers;
        this.slots = new Semaphore(maxWorkers, true);
        this.timeout = timeout;
        this.maxResultBytes = maxResultBytes;
        this.timer = timer;
        this.webhooks = webhooks;
        this.metrics = metrics;
    }

    int maxWorkers() {
        return maxWorkers;
    }

    /** Workers running a turn right now. */
    int runningWorkers() {
        return maxWorkers - slots.availablePermits();
    }

    void start(Turn turn) {
        active.add(turn);
        metrics.turnStarted();
        Thread.ofVirtual().name("motus-turn-" + turn.session.id).start(() -> {
            try {
                run(turn);
            } finally {
                active.remove(turn);
                idleLock.lock();
                try {
                    idle.signalAll();
                } finally {
                    idleLock.unlock();
                }
            }
        });
    }

    /**
     * Waits until no turn is running, at most {@code max} (zero: no limit).
     *
     * @return whether all turns ended
     */
    boolean awaitIdle(Duration max) throws InterruptedException {
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

    /** Cancels every turn still queued or running; their workers are killed at once. */
    void cancelAll(String reason) {
        active.forEach(turn -> turn.cancel(reason));
    }

    private void run(Turn turn) {
        Session session = turn.session;
        long started = System.nanoTime();
        TurnOutcome outcome;
        SessionView committed;
        String cancelled;
        long ended;
        try (Attempt attempt = new Attempt()) {
            try {
                outcome = runInWorker(turn, attempt);
            } catch (InterruptedException e) {
                outcome = new TurnOutcome.Failure("Turn cancelled");
            }
            cancelled = turn.cancelReason();
            if (cancelled != null) {
                outcome = new TurnOutcome.Failure(cancelled);
            }
            // Committed before the worker is reaped: the client is not kept waiting for clean-up.
            // A deleted session discards it; a shutdown's cancel is recorded for the waiters.
            ended = System.nanoTime();
            committed = session.finish(turn, outcome, ended);
        }
        // Up to the commit, which is when the client sees the end; the worker's clean-up comes after.
        Duration duration = Duration.ofNanos(ended - started);
        if (cancelled != null || committed == null) {
            metrics.turnFinished(ServerMetrics.Outcome.CANCELLED, duration);
            if (cancelled == null) {
                return; // deleted in the meantime: a late result is discarded
            }
            LOG.log(Level.INFO, "[{0}] turn cancelled after {1,number,#} ms: {2}", session.id, duration.toMillis(), cancelled);
            if (turn.webhook != null) {
                webhooks.send(turn.webhook, session.id, SessionStatus.ERROR.wireName(), null, cancelled, turn.state);
            }
            return;
        }
        if (outcome instanceof TurnOutcome.Failure failure) {
            metrics.turnFinished(failure.error().equals(TIMED_OUT) ? ServerMetrics.Outcome.TIMED_OUT
                    : ServerMetrics.Outcome.FAILED, duration);
            LOG.log(Level.INFO, "[{0}] turn failed after {1,number,#} ms: {2}", session.id, duration.toMillis(), failure.error());
        } else {
            metrics.turnFinished(ServerMetrics.Outcome.SUCCEEDED, duration);
            LOG.log(Level.INFO, "[{0}] turn succeeded in {1,number,#} ms", session.id, duration.toMillis());
        }
        if (turn.webhook != null) {
            webhooks.send(turn.webhook, session.id, committed.status().wireName(), committed.response(),
                    committed.error(), session.state());
        }
    }

    private TurnOutcome runInWorker(Turn turn, Attempt attempt) throws InterruptedException {
        turn.waitingFor(Thread.currentThread());
        try {
            slots.acquire();
            attempt.holdsSlot = true;
        } finally {
            turn.waitingFor(null);
        }
        Thread.interrupted(); // a cancel that raced the acquire is seen through cancelReason below
        if (turn.cancelReason() != null) {
            return new TurnOutcome.Failure(turn.cancelReason());
        }
        LOG.log(Level.INFO, "[{0}] turn started", turn.session.id);
        if (!timeout.isZero()) {
            attempt.deadline = timer.schedule(turn::timeOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        WorkerProcess worker;
        try {
            worker = readyWorker(turn);
        } catch (IOException e) {
            return timedOutOr(turn, new TurnOutcome.Failure("Worker process could not start: " + e.getMessage()));
        } catch (WorkerStartException e) {
            return timedOutOr(turn, new TurnOutcome.Failure("Worker could not start the agent: " + e.getMessage()));
        }
        if (worker == null) {
            return timedOutOr(turn, new TurnOutcome.Failure("Turn cancelled"));
        }
        attempt.worker = worker;
        return timedOutOr(turn, worker.runTurn(turn.session.id, turn.message, turn.state, maxResultBytes));
    }

    /** What a turn holds until it is settled: its deadline, its worker and its worker slot. */
    private final class Attempt implements AutoCloseable {
        @Nullable ScheduledFuture<?> deadline;
        @Nullable WorkerProcess worker;
        boolean holdsSlot;

        @Override
        public void close() {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (worker != null) {
                worker.kill(); // it exits by itself after answering; this makes sure nothing it started is left
            }
            if (holdsSlot) {
                slots.release();
                spares.topUp(); // now, not while the turn ran: a booting JVM would have slowed it down
            }
        }
    }

    /**
     * A worker that has resolved the agent and belongs to this turn: a spare if one is there,
     * else a fresh one. A spare that turns out dead is replaced by a fresh worker.
     *
     * @return the worker, or null if the turn was cancelled or timed out meanwhile (the worker is then killed)
     */
    private WorkerProcess readyWorker(Turn turn) throws IOException, WorkerStartException {
        WorkerProcess spare = spares.take();
        if (spare != null) {
            spare.tag(turn.session.id);
            if (!turn.attach(spare)) {
                return null;
            }
            try {
                spare.awaitReady();
                starts.succeeded(spare);
                return spare;
            } catch (WorkerStartException e) {
                spare.kill();
                if (turn.cancelReason() != null || turn.timedOut()) {
                    throw e;
                }
                starts.failed(e.getMessage());
                LOG.log(Level.INFO, "[{0}] spare worker {1} was not ready ({2}); starting a fresh one",
                        turn.session.id, spare.pid(), e.getMessage());
            }
        }
        WorkerProcess fresh;
        try {
            fresh = launcher.start(turn.session.id);
        } catch (IOException e) {
            starts.failed(e.getMessage());
            throw e;
        }
        if (!turn.attach(fresh)) {
            return null;
        }
        try {
            fresh.awaitReady();
            starts.succeeded(fresh);
        } catch (WorkerStartException e) {
            fresh.kill();
            if (turn.cancelReason() == null && !turn.timedOut()) {
                starts.failed(e.getMessage());
            }
            throw e;
        }
        return fresh;
    }

    private static TurnOutcome timedOutOr(Turn turn, TurnOutcome outcome) {
        return turn.timedOut() ? new TurnOutcome.Failure(TIMED_OUT) : outcome;
    }
}
