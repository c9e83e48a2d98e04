package motus.serve.server;

import motus.serve.worker.WorkerProcess;
import org.jspecify.annotations.Nullable;

/**
 * How the latest worker start went: the server's readiness. Real starts (a turn's worker, a
 * spare) report here, so that a readiness probe costs nothing and never starts a JVM itself.
 * Successful starts are timed in the metrics.
 */
final class WorkerStarts {

    private final ServerMetrics metrics;
    private volatile @Nullable String lastFailure;

    WorkerStarts(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    /** The worker is ready: it resolved the agent. */
    void succeeded(WorkerProcess worker) {
        lastFailure = null;
        metrics.workerStarted(worker.startupTime());
    }

    void failed(String reason) {
        lastFailure = reason;
    }

    /** Why the latest worker could not start, or null if it could. */
    @Nullable String lastFailure() {
        return lastFailure;
    }
}
