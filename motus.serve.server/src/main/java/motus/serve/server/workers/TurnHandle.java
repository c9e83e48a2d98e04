package motus.serve.server.workers;

import com.fasterxml.jackson.databind.JsonNode;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnOutcome;
import motus.serve.worker.Worker;
import org.jspecify.annotations.Nullable;

/**
 * A turn as the server running it holds it, from its start to its commit: its worker, once it
 * has one. Cancellation (a client, delete, shutdown) and the timeout may strike at any point:
 * before a worker exists, or while it runs; either way the worker is killed as soon as it is
 * known and the turn's own outcome gives way.
 */
public final class TurnHandle {

    /** What a running turn does with a client's answer to one of its interrupts. */
    @FunctionalInterface
    public interface Answers {
        /** @param allAnswered whether no other interrupt is pending: the turn runs again */
        void answer(String interruptId, JsonNode value, boolean allAnswered);
    }

    private final Turn turn;
    private final String tag;
    private @Nullable Worker worker;
    private @Nullable Thread waitingThread;
    private @Nullable String cancelReason;
    private boolean timedOut;
    private @Nullable Answers answers;

    public TurnHandle(Turn turn) {
        this(turn, "");
    }

    /** @param traceTag what the turn's log lines add after its session id (its trace's ids), or nothing */
    public TurnHandle(Turn turn, String traceTag) {
        this.turn = turn;
        this.tag = turn.sessionId() + traceTag;
    }

    public Turn turn() {
        return turn;
    }

    public String sessionId() {
        return turn.sessionId();
    }

    /** What the turn's log lines, its worker's output included, are tagged with: its session id, and its trace's ids when traced. */
    public String tag() {
        return tag;
    }

    /** Marks the thread that waits for a worker slot, so that cancelling can wake it. */
    public synchronized void waitingFor(@Nullable Thread thread) {
        this.waitingThread = thread;
    }

    /**
     * Hands the turn its worker.
     *
     * @return false if the turn was cancelled or timed out meanwhile; the worker is then killed
     */
    public synchronized boolean attach(Worker worker) {
        if (cancelReason != null || timedOut) {
            worker.kill();
            return false;
        }
        this.worker = worker;
        return true;
    }

    /** Whoever runs the turn takes the answers to its interrupts from now on. */
    public synchronized void answersTo(Answers answers) {
        this.answers = answers;
    }

    /** Hands a client's answer to whoever runs the turn; dropped if nothing runs it (it is ending). */
    public void answer(String interruptId, JsonNode value, boolean allAnswered) {
        Answers to;
        synchronized (this) {
            to = answers;
        }
        if (to != null) {
            to.answer(interruptId, value, allAnswered);
        }
    }

    /** Cancels the turn: its worker dies at once and its outcome is {@code reason}. */
    public void cancel(String reason) {
        Worker toKill;
        synchronized (this) {
            if (cancelReason != null) {
                return;
            }
            cancelReason = reason;
            toKill = worker;
            if (waitingThread != null) {
                waitingThread.interrupt();
            }
        }
        if (toKill != null) {
            toKill.kill();
        }
    }

    /** The turn ran past the server's timeout: kill its worker; the turn ends {@link TurnOutcome.TimedOut}. */
    public void timeOut() {
        Worker toKill;
        synchronized (this) {
            timedOut = true;
            toKill = worker;
        }
        if (toKill != null) {
            toKill.kill();
        }
    }

    /** Whether a cancel or the timeout has ended the turn, whatever its worker says. */
    public synchronized boolean isEnded() {
        return cancelReason != null || timedOut;
    }

    /**
     * What ended the turn from outside, if anything did: a cancel (which wins over a timeout
     * that came after it) or the timeout; otherwise {@code fromWorker}.
     */
    public synchronized TurnOutcome outcome(TurnOutcome fromWorker) {
        if (cancelReason != null) {
            return new TurnOutcome.Cancelled(cancelReason);
        }
        return timedOut ? new TurnOutcome.TimedOut() : fromWorker;
    }
}
