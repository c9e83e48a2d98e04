package motus.serve.server.workers;

import motus.serve.server.session.Turn;
import motus.serve.worker.Worker;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * Where turns get their workers: the seam between running a turn and worker processes, so that
 * tests can drive a turn's races (cancel, timeout, delete, commit) with stand-in workers.
 */
public interface Workers {

    /**
     * A worker that has resolved the agent, attached to {@code turn} (see {@link Turn#attach}).
     *
     * @return the worker, or null if the turn was cancelled or timed out meanwhile
     * @throws WorkerStartException whose message is the error the session shows
     */
    @Nullable Worker acquire(Turn turn) throws WorkerStartException;

    /** A turn is done with the worker it acquired (which is dead by now). */
    void released();
}
