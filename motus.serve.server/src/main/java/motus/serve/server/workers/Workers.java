package motus.serve.server.workers;

import motus.serve.worker.Worker;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * Where turns get their workers: the seam between running a turn and worker processes, so that
 * tests can drive turns (their races, and the HTTP contract) with stand-in workers.
 */
public interface Workers {

    /** The agent reference the workers run, for the log and the health check. */
    String agent();

    /**
     * Checks that the agent resolves, then lets spare workers boot.
     *
     * @throws IllegalStateException whose message says what is missing
     */
    void checkAgent();

    /** Why the latest worker could not start, or null if it could: the readiness probe's answer. */
    @Nullable String lastFailure();

    /**
     * A worker that has resolved the agent, attached to {@code turn} (see {@link TurnHandle#attach}).
     *
     * @return the worker, or null if the turn was cancelled or timed out meanwhile
     * @throws WorkerStartException whose message is the error the session shows
     */
    @Nullable Worker acquire(TurnHandle turn) throws WorkerStartException;

    /**
     * Where isolation is per session, keeps the worker of a turn that succeeded for the
     * session's next turn. Called before the turn's end is committed, so that a next message
     * sent the moment the client sees it finds the worker there.
     *
     * @return whether it was kept; if not, {@link #release} ends it
     */
    boolean keep(TurnHandle turn, Worker worker);

    /**
     * A turn that {@link #acquire acquired} is over: its worker, if it got one and it was not
     * kept, is ended.
     *
     * @param worker the turn's worker, or null if it got none or it was kept
     */
    void release(TurnHandle turn, @Nullable Worker worker);

    /** The session is gone: a worker kept for it ends. */
    void sessionEnded(String sessionId);

    /** Ends every worker not running a turn, and starts no more spares. */
    void close();
}
