package motus.serve.server.workers;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import motus.serve.server.observe.ServerMetrics;
import motus.serve.worker.Worker;
import motus.serve.worker.WorkerLauncher;
import motus.serve.worker.WorkerProcess;
import motus.serve.worker.WorkerSnapshot;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * The server's worker processes: a turn's worker is the session's own where isolation is per
 * session and it has one, else a spare if one is ready, else a fresh one. It also checks the
 * agent at start-up, and knows from real starts (never a probe's own JVM) whether workers can
 * start, which is the server's readiness.
 */
public final class WorkerPool implements Workers {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    /** How often the agent's files are looked at for a rebuild. */
    private static final Duration AGENT_FILES_PERIOD = Duration.ofSeconds(2);

    private final WorkerLauncher launcher;
    private final SpareWorkers spares;
    private final @Nullable AgentCache agentCache;
    private final ServerMetrics metrics;
    private final @Nullable SessionWorkers sessionWorkers;
    private final WaitingWorkers waiting;
    private volatile @Nullable String lastFailure;
    private final ScheduledExecutorService timer;
    private volatile @Nullable String agentFiles;
    private volatile @Nullable ScheduledFuture<?> watching;
    private final boolean snapshotsRequired;
    private final boolean snapshotsWanted;
    private volatile @Nullable SnapshotTemplate snapshots;

    /**
     * @param waiting the bound on workers kept between their session's turns, shared with turns
     *        paused on an interrupt
     * @param prewarm the spares kept at least (see {@link SpareWorkers}); 0: none
     * @param prewarmMax the most spares while turns find none ready
     * @param idleTimeout how long a session's worker waits for its session's next turn, and a
     *        spare above {@code prewarm} for a turn
     * @param agentCacheDirectory where the agent's own AOT cache is kept and made (see
     *        {@link AgentCache}), or null for none; not made where workers are restored from a snapshot
     * @param snapshotsWanted whether workers are restored from a snapshot ({@link SnapshotTemplate})
     *        where CRIU works here
     * @param snapshotsRequired whether the agent check fails where CRIU does not work here
     */
    public WorkerPool(WorkerLauncher launcher, WaitingWorkers waiting, int prewarm, int prewarmMax, Duration idleTimeout,
                      @Nullable Path agentCacheDirectory, boolean snapshotsWanted, boolean snapshotsRequired,
                      ScheduledExecutorService timer, ServerMetrics metrics) {
        this.launcher = launcher;
        this.snapshotsWanted = snapshotsWanted;
        this.snapshotsRequired = snapshotsRequired;
        this.metrics = metrics;
        this.waiting = waiting;
        this.sessionWorkers = launcher.servesSessions() ? new SessionWorkers(idleTimeout, timer) : null;
        if (sessionWorkers != null) {
            waiting.countKept(sessionWorkers::size);
        }
        this.spares = new SpareWorkers(launcher, prewarm, prewarmMax, idleTimeout, timer, this::failed);
        this.agentCache = agentCacheDirectory == null ? null : new AgentCache(launcher, agentCacheDirectory);
        this.timer = timer;
    }

    /** The agent reference the workers resolve. */
    @Override
    public String agent() {
        return launcher.agent();
    }

    /**
     * Checks in a worker process that the agent reference resolves to an agent, then lets the
     * spare workers boot.
     *
     * @throws IllegalStateException whose message says what is missing
     */
    @Override
    public void checkAgent() {
        WorkerProcess worker;
        try {
            worker = launcher.start("agent check");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a worker process: " + e.getMessage(), e);
        }
        try {
            worker.awaitReady();
            succeeded(worker);
        } catch (WorkerStartException e) {
            failed(e.getMessage());
            throw new IllegalStateException("agent '" + launcher.agent() + "' does not resolve: " + e.getMessage());
        } finally {
            worker.kill();
        }
        boolean restoring = snapshotsWanted && snapshotsWork(); // only for an agent that resolves
        spares.topUp(); // the agent resolves: spares can boot ahead of the first message
        if (restoring) {
            snapshots.take();
        } else if (agentCache != null) {
            agentCache.useOrTrain(); // a template's AOT cache must not change under its snapshot, and copies need none
        }
        watchAgentFiles();
    }

    /**
     * Whether CRIU can restore workers here: checked once, and said in one line either way.
     *
     * @throws IllegalStateException if snapshots are required and it cannot
     */
    private boolean snapshotsWork() {
        if (snapshots != null) {
            return true;
        }
        String missing = WorkerSnapshot.unavailable();
        if (missing != null) {
            if (snapshotsRequired) {
                throw new IllegalStateException("worker-snapshots is on, but " + missing);
            }
            LOG.log(Level.INFO, "worker snapshots: off, {0}; every worker starts as a fresh JVM", missing);
            return false;
        }
        LOG.log(Level.INFO, "worker snapshots: on; workers are restored from a prepared worker once it is checkpointed");
        // Spares booted before the snapshot are fresh JVMs: replaced, so that from then on every worker is a copy.
        snapshots = new SnapshotTemplate(launcher, spares::renew);
        return true;
    }

    /**
     * Looks at the agent's files every few seconds (their sizes and times, the agent cache's key):
     * a jar rebuilt while the server runs must not be served by spares that loaded the old one,
     * nor started against an AOT cache of the old one (the JVM then logs a class path mismatch
     * for every worker). Workers kept for a session keep their code until their session's end.
     */
    private void watchAgentFiles() {
        String key = agentFilesKey();
        if (key == null || watching != null) {
            return;
        }
        agentFiles = key;
        watching = timer.scheduleWithFixedDelay(this::checkAgentFiles, AGENT_FILES_PERIOD.toMillis(),
                AGENT_FILES_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkAgentFiles() {
        String key = agentFilesKey();
        if (key == null || key.equals(agentFiles)) {
            return;
        }
        agentFiles = key;
        launcher.useAgentCache(null); // the shared shape until the new cache is made
        SnapshotTemplate template = snapshots;
        if (template != null) {
            template.retake();
        }
        int retired = spares.renew();
        LOG.log(Level.INFO, "the agent''s files changed: {0} spare worker(s) retired, new workers load the new code{1}",
                retired, template != null ? "; its snapshot is taken again in the background"
                        : agentCache != null ? "; its AOT cache is made again in the background" : "");
        if (template == null && agentCache != null) {
            agentCache.useOrTrain();
        }
    }

    private @Nullable String agentFilesKey() {
        try {
            return launcher.agentCacheKey();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "the agent''s files could not be looked at: {0}", e.toString());
            return null;
        }
    }

    /** Why the latest worker could not start, or null if it could: the readiness probe's answer. */
    @Override
    public @Nullable String lastFailure() {
        return lastFailure;
    }

    /**
     * A spare, the session's kept worker, or a fresh one. A turn with variables of its own (the
     * sandbox's) always gets a fresh worker started with them: a running JVM's environment cannot
     * change, and every other turn keeps the spares' speed.
     */
    @Override
    public @Nullable Worker acquire(TurnHandle turn) throws WorkerStartException {
        Map<String, String> environment = turn.turn().environment();
        if (!environment.isEmpty()) {
            return fresh(turn, environment);
        }
        if (sessionWorkers != null) {
            WorkerProcess own = sessionWorkers.take(turn.sessionId());
            if (own != null) {
                own.tag(turn.tag());
                return turn.attach(own) ? own : null;
            }
            trimKept(); // a worker paused on an interrupt may have taken a kept one's room meanwhile
        }
        WorkerProcess spare = spares.take();
        if (spare != null) {
            spare.tag(turn.tag());
            try {
                return readyFor(turn, spare);
            } catch (WorkerStartException e) {
                if (turn.isEnded()) {
                    throw agentFailed(e);
                }
                LOG.log(Level.INFO, "[{0}] spare worker {1} was not ready ({2}); starting a fresh one",
                        turn.tag(), spare.pid(), e.getMessage());
            }
        }
        return fresh(turn, Map.of());
    }

    /**
     * A worker of the turn's own: restored from the snapshot if there is one, else (and if its
     * restore fails) a fresh JVM; always a fresh JVM for a turn with variables of its own, since
     * a copy has its template's environment.
     */
    private @Nullable Worker fresh(TurnHandle turn, Map<String, String> environment) throws WorkerStartException {
        WorkerProcess worker = start(() -> environment.isEmpty() ? launcher.start(turn.tag())
                : launcher.startFresh(turn.tag(), environment));
        try {
            return readyFor(turn, worker);
        } catch (WorkerStartException e) {
            SnapshotTemplate template = snapshots;
            if (!worker.isRestored() || template == null || turn.isEnded()) {
                throw agentFailed(e);
            }
            template.restoreFailed(e.getMessage());
        }
        try {
            return readyFor(turn, start(() -> launcher.startFresh(turn.tag(), environment)));
        } catch (WorkerStartException e) {
            throw agentFailed(e);
        }
    }

    @FunctionalInterface
    private interface Launch {
        WorkerProcess start() throws IOException;
    }

    private WorkerProcess start(Launch launch) throws WorkerStartException {
        try {
            return launch.start();
        } catch (IOException e) {
            failed(e.getMessage());
            throw new WorkerStartException("Worker process could not start: " + e.getMessage());
        }
    }

    /**
     * Hands the worker to the turn, then waits until it has resolved the agent.
     *
     * @return the worker, or null if the turn ended meanwhile (the worker is then killed)
     */
    private @Nullable Worker readyFor(TurnHandle turn, WorkerProcess worker) throws WorkerStartException {
        if (!turn.attach(worker)) {
            return null;
        }
        try {
            worker.awaitReady();
            succeeded(worker);
            return worker;
        } catch (WorkerStartException e) {
            worker.kill();
            if (!turn.isEnded() && !worker.isRestored()) {
                failed(e.getMessage()); // a worker killed by a cancel says nothing about readiness
            }
            throw e;
        }
    }

    @Override
    public boolean keep(TurnHandle turn, Worker worker) {
        // One with a turn's own variables must not serve the next turn, which has none or others.
        if (sessionWorkers == null || !(worker instanceof WorkerProcess process) || !turn.turn().environment().isEmpty()) {
            return false;
        }
        sessionWorkers.keep(turn.sessionId(), process);
        trimKept();
        return true;
    }

    @Override
    public void release(TurnHandle turn, @Nullable Worker worker) {
        if (worker != null) {
            worker.kill(); // it exits by itself after answering; this makes sure nothing it started is left
        }
        spares.topUp(); // now, not while the turn ran: a booting JVM would have slowed it down
    }

    @Override
    public void sessionEnded(String sessionId) {
        if (sessionWorkers != null) {
            sessionWorkers.end(sessionId);
        }
    }

    /** Ends the session workers idle longest until they fit in the room that waiting workers leave. */
    private void trimKept() {
        sessionWorkers.trimTo(waiting.roomForKept());
    }

    /** Kills the spares, the session workers between turns and a cache training run; none is started afterwards. */
    @Override
    public void close() {
        ScheduledFuture<?> watch = watching;
        if (watch != null) {
            watch.cancel(false);
        }
        spares.close();
        if (sessionWorkers != null) {
            sessionWorkers.close();
        }
        if (agentCache != null) {
            agentCache.close();
        }
        SnapshotTemplate template = snapshots;
        if (template != null) {
            template.close();
        }
    }

    private void succeeded(WorkerProcess worker) {
        lastFailure = null;
        SnapshotTemplate template = snapshots;
        if (worker.isRestored() && template != null) {
            template.restored();
        }
        metrics.workerStarted(worker.startupTime());
    }

    private void failed(String reason) {
        lastFailure = reason;
    }

    private static WorkerStartException agentFailed(WorkerStartException e) {
        return new WorkerStartException("Worker could not start the agent: " + e.getMessage());
    }
}
