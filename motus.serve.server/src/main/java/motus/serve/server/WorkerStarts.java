package motus.serve.server;

import org.jspecify.annotations.Nullable;

/**
 * How the latest worker start went: the server's readiness. Real starts (a turn's worker, a
 * spare) report here, so that a readiness probe costs nothing and never starts a JVM itself.
 */
final class WorkerStarts {

    private volatile @Nullable String lastFailure;

    void succeeded() {
        lastFailure = null;
    }

    void failed(String reason) {
        lastFailure = reason;
    }

    /** Why the latest worker could not start, or null if it could. */
    @Nullable String lastFailure() {
        return lastFailure;
    }
}
