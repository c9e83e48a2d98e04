package motus.serve.server.workers;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import motus.serve.worker.WorkerProcess;
import org.jspecify.annotations.Nullable;

/**
 * With isolation per session: the workers that wait for their session's next turn. A worker
 * is here only between two turns of its session; while a turn runs, the turn holds it. Each
 * leaves after the idle time, when its session ends, or to make room for another session's
 * worker under max_workers, oldest first.
 */
final class SessionWorkers {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    private final Duration idleTimeout;
    private final ScheduledExecutorService timer;
    private final ReentrantLock lock = new ReentrantLock();
    /** In the order they became idle: the first is the one to make room with. */
    private final Map<String, Idle> idle = new LinkedHashMap<>();
    private boolean closed;

    private record Idle(WorkerProcess worker, ScheduledFuture<?> exit) {
        /** Ends the worker before its idle time is up. */
        void dismiss() {
            exit.cancel(false);
            worker.kill();
        }
    }

    SessionWorkers(Duration idleTimeout, ScheduledExecutorService timer) {
        this.idleTimeout = idleTimeout;
        this.timer = timer;
    }

    /** The session's worker, alive and now the caller's alone, or null if it has none. */
    @Nullable WorkerProcess take(String sessionId) {
        Idle taken;
        lock.lock();
        try {
            taken = idle.remove(sessionId);
        } finally {
            lock.unlock();
        }
        if (taken == null) {
            return null;
        }
        taken.exit().cancel(false);
        if (!taken.worker().handle().isAlive()) {
            return null; // it died between turns: the session gets a fresh one
        }
        return taken.worker();
    }

    /** Keeps a worker whose turn succeeded for the session's next turn; after the server stopped, kills it. */
    void keep(String sessionId, WorkerProcess worker) {
        lock.lock();
        try {
            if (!closed) {
                ScheduledFuture<?> exit = timer.schedule(() -> expire(sessionId, worker),
                        idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
                Idle previous = idle.put(sessionId, new Idle(worker, exit));
                if (previous != null) { // a turn cannot run twice at once; never expected, but never two workers
                    previous.dismiss();
                }
                return;
            }
        } finally {
            lock.unlock();
        }
        worker.kill();
    }

    /** The session is gone (deleted, expired): so is its worker. */
    void end(String sessionId) {
        lock.lock();
        Idle ended;
        try {
            ended = idle.remove(sessionId);
        } finally {
            lock.unlock();
        }
        if (ended != null) {
            ended.dismiss();
        }
    }

    /** Workers kept now. */
    int size() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** Ends the workers that have waited longest until at most {@code most} remain. */
    void trimTo(int most) {
        while (true) {
            Map.Entry<String, Idle> oldest;
            lock.lock();
            try {
                if (idle.size() <= most) {
                    return;
                }
                Iterator<Map.Entry<String, Idle>> first = idle.entrySet().iterator();
                oldest = first.next();
                first.remove();
            } finally {
                lock.unlock();
            }
            oldest.getValue().dismiss();
            LOG.log(Level.INFO, "[{0}] session worker {1} ended to make room for another session''s (max-waiting-workers)",
                    oldest.getKey(), oldest.getValue().worker().pid());
        }
    }

    /** Kills them all; a worker kept afterwards is killed at once. */
    void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        trimTo(0);
    }

    /** The idle time is up: ends the worker unless its session took it meanwhile. */
    private void expire(String sessionId, WorkerProcess worker) {
        lock.lock();
        try {
            Idle current = idle.get(sessionId);
            if (current == null || current.worker() != worker) {
                return;
            }
            idle.remove(sessionId);
        } finally {
            lock.unlock();
        }
        worker.kill();
        LOG.log(Level.INFO, "[{0}] session worker {1} ended after {2} s idle", sessionId, worker.pid(),
                idleTimeout.toSeconds());
    }
}
