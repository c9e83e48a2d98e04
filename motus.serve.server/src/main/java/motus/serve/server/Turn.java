package motus.serve.server;

import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.worker.WorkerProcess;
import org.jspecify.annotations.Nullable;

/**
 * One turn of one session, from the 202 to its commit. Cancellation (delete, shutdown) and the
 * timeout may strike at any point: before a worker exists, or while it runs; either way the
 * worker is killed as soon as it is known and nothing is committed.
 */
final class Turn {

    final Session session;
    final ChatMessage message;
    final List<ChatMessage> state;
    final @Nullable Webhook webhook;

    private @Nullable WorkerProcess worker;
    private @Nullable Thread waitingThread;
    private @Nullable String cancelReason;
    private boolean timedOut;

    Turn(Session session, ChatMessage message, List<ChatMessage> state, @Nullable Webhook webhook) {
        this.session = session;
        this.message = message;
        this.state = state;
        this.webhook = webhook;
    }

    /** Marks the thread that waits for a worker slot, so that cancelling can wake it. */
    synchronized void waitingFor(@Nullable Thread thread) {
        this.waitingThread = thread;
    }

    /**
     * Hands the turn its worker.
     *
     * @return false if the turn was cancelled or timed out meanwhile; the worker is then killed
     */
    synchronized boolean attach(WorkerProcess process) {
        if (cancelReason != null || timedOut) {
            process.kill();
            return false;
        }
        this.worker = process;
        return true;
    }

    /** Cancels the turn: its worker dies at once and its result will be discarded. */
    void cancel(String reason) {
        WorkerProcess toKill;
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

    /** The turn ran past the server's timeout: kill its worker; the turn fails with {@code Agent timed out}. */
    void timeOut() {
        WorkerProcess toKill;
        synchronized (this) {
            timedOut = true;
            toKill = worker;
        }
        if (toKill != null) {
            toKill.kill();
        }
    }

    synchronized boolean timedOut() {
        return timedOut;
    }

    synchronized @Nullable String cancelReason() {
        return cancelReason;
    }
}
