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

    /**
     * A turn that {@link #acquire acquired} is over: its worker, if it got one, is ended, or
     * kept for the session's next turn where isolation is per session.
     *
     * @param worker the turn's worker, or null if it got none
     * @param reusable whether the turn succeeded and was committed, so its worker may serve the
     *        session again; a failed, timed-out or cancelled turn's worker always ends
     */
    void release(Turn turn, @Nullable Worker worker, boolean reusable);

    /** The session is gone: a worker kept for it ends. */
    void sessionEnded(String sessionId);
}
