package motus.serve.server.workers;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import motus.serve.worker.WorkerLauncher;
import motus.serve.worker.WorkerProcess;
import org.jspecify.annotations.Nullable;

/**
 * Pre-started workers: each boots and resolves the agent before a message arrives, then serves
 * a turn (or a session) like any other worker. Isolation is unchanged; only the wait for a JVM
 * to start is gone.
 *
 * <p>The pool adapts to demand between {@code minimum} and {@code maximum} spares, on top of the
 * running workers: each turn that finds none ready and starts its own worker raises the target
 * by one, and a spare left unused for the idle time, above the minimum, exits and lowers it. A
 * spare that is taken is replaced when its turn ends ({@link #topUp()}), so that a booting JVM
 * does not compete with the turn for the CPU; one that dies unused is replaced after a pause, so
 * that an agent that cannot start does not make the pool spin. With a minimum of 0 there are none.
 */
final class SpareWorkers {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final long RETRY_MILLIS = 1_000;

    private final WorkerLauncher launcher;
    private final int minimum;
    private final int maximum;
    private final Duration idleTimeout;
    private final ScheduledExecutorService timer;
    private final Consumer<String> onFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<WorkerProcess> spares = new ArrayDeque<>();
    private int target;
    private int starting;
    private boolean closed;
    /** Counts {@link #renew()}s: a spare launched before one must not join the pool after it. */
    private int generation;

    /**
     * @param maximum the most spares while turns come faster than spares boot (at least {@code minimum})
     * @param idleTimeout how long a spare above the minimum may wait unused before it exits
     * @param onFailure told why a spare could not start or died unused: the pool's readiness
     */
    SpareWorkers(WorkerLauncher launcher, int minimum, int maximum, Duration idleTimeout, ScheduledExecutorService timer,
                 Consumer<String> onFailure) {
        this.launcher = launcher;
        this.minimum = minimum;
        this.maximum = minimum == 0 ? 0 : Math.max(minimum, maximum);
        this.idleTimeout = idleTimeout;
        this.target = minimum;
        this.timer = timer;
        this.onFailure = onFailure;
    }

    /**
     * The oldest spare, or null if there is none; it is then the caller's alone. Never waits:
     * a turn that finds no spare starts a worker of its own, so spares never delay a turn.
     */
    @Nullable WorkerProcess take() {
        lock.lock();
        try {
            WorkerProcess spare = spares.pollFirst();
            if (spare == null && target < maximum) {
                target++; // a turn waits for a JVM to boot: one more spare from now on
                LOG.log(Level.DEBUG, "no spare worker was ready; now keeping up to {0}", target);
            }
            return spare;
        } finally {
            lock.unlock();
        }
    }

    /** Starts spares until there are as many as the target, counting those still starting. */
    void topUp() {
        int toStart;
        lock.lock();
        try {
            toStart = closed ? 0 : target - spares.size() - starting;
            starting += Math.max(0, toStart);
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < toStart; i++) {
            Thread.ofVirtual().name("motus-spare-start").start(this::startOne);
        }
    }

    /**
     * The agent's code changed: the spares, which loaded the old code, exit and new ones boot.
     *
     * @return how many spares were retired
     */
    int renew() {
        List<WorkerProcess> retired;
        lock.lock();
        try {
            generation++;
            retired = List.copyOf(spares);
            spares.clear(); // out of the pool first: their exit is no failure to replace
        } finally {
            lock.unlock();
        }
        retired.forEach(WorkerProcess::kill);
        topUp();
        return retired.size();
    }

    /** Kills every spare; none is started afterwards. */
    void close() {
        lock.lock();
        try {
            closed = true;
            spares.forEach(WorkerProcess::kill);
            spares.clear();
        } finally {
            lock.unlock();
        }
    }

    private void startOne() {
        int launched;
        lock.lock();
        try {
            launched = generation;
        } finally {
            lock.unlock();
        }
        WorkerProcess spare;
        try {
            spare = launcher.start("spare");
        } catch (IOException e) {
            LOG.log(Level.WARNING, "a spare worker could not start: {0}", e.getMessage());
            onFailure.accept("a spare worker could not start: " + e.getMessage());
            doneStarting();
            retryLater();
            return;
        }
        boolean stale;
        lock.lock();
        try {
            starting--;
            if (closed) {
                spare.kill();
                return;
            }
            stale = launched != generation;
            if (!stale) {
                spares.addLast(spare);
            }
        } finally {
            lock.unlock();
        }
        if (stale) {
            spare.kill(); // launched with the code that was there before a renew
            topUp();
            return;
        }
        spare.handle().onExit().thenRun(() -> replaceIfUnused(spare));
        if (maximum > minimum) {
            timer.schedule(() -> retireIfUnused(spare), idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Demand has dropped: a spare unused since the idle time exits, down to the minimum. */
    private void retireIfUnused(WorkerProcess spare) {
        int keeping;
        lock.lock();
        try {
            if (target <= minimum || !spares.remove(spare)) {
                return;
            }
            keeping = --target;
        } finally {
            lock.unlock();
        }
        spare.kill();
        LOG.log(Level.DEBUG, "spare worker {0} unused for {1} s; now keeping up to {2}", spare.pid(),
                idleTimeout.toSeconds(), keeping);
    }

    private void replaceIfUnused(WorkerProcess spare) {
        // A retired spare is no longer in the pool when it exits: it is not replaced.
        boolean wasSpare;
        lock.lock();
        try {
            wasSpare = spares.remove(spare);
        } finally {
            lock.unlock();
        }
        if (wasSpare) {
            LOG.log(Level.INFO, "spare worker {0} exited unused; replacing it", spare.pid());
            onFailure.accept("spare worker " + spare.pid() + " exited before it was used");
            retryLater();
        }
    }

    private void retryLater() {
        lock.lock();
        try {
            if (!closed) {
                timer.schedule(this::topUp, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    private void doneStarting() {
        lock.lock();
        try {
            starting--;
        } finally {
            lock.unlock();
        }
    }
}
