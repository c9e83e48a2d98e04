package motus.serve.worker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Platform threads for every blocking call on a worker's pipes (and its launch, which waits on
 * one). A read of a process pipe is a native read that pins a virtual thread to its carrier: a
 * few idle spares, each with its stderr reader blocked, once held every carrier, and no HTTP
 * handler could run again. So the server's virtual threads (turns, spares, HTTP) only ever wait
 * on these threads' results, which unmounts them.
 *
 * <p>A cached pool: a thread per pipe being read (about two per live worker) and reused after,
 * so a turn does not pay for a thread start.
 */
final class PipeThreads {

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("motus-worker-pipe-", 0).daemon().factory());

    private PipeThreads() {
    }

    /** One blocking call on a pipe. */
    @FunctionalInterface
    interface PipeCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code task} (a loop over a pipe, say) on a platform thread, in the background. */
    static Future<?> start(Runnable task) {
        return THREADS.submit(task);
    }

    /**
     * Runs {@code call} on a platform thread and waits for it in a way that unmounts a virtual
     * caller. An interrupt stops the wait, not the call: the caller must end the call by killing
     * the process, whose pipes then close.
     */
    static <T> T call(PipeCall<T> call) throws IOException {
        Future<T> result = THREADS.submit(call::call);
        try {
            return result.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                default -> throw new IOException(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a worker's pipe");
        }
    }
}
