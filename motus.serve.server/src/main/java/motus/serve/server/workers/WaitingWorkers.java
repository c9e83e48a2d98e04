package motus.serve.server.workers;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Workers alive but not running a turn: a turn's worker paused on an interrupt until a human
 * answers, and (with {@code --isolation session}) a worker kept for its session's next turn.
 * They hold memory, not CPU, so they do not count against {@code --workers}, which bounds the
 * turns running at once; this bounds them instead ({@code max-waiting-workers}). Past it, an
 * interrupted turn keeps its worker slot, as if it ran, and the session worker idle longest ends.
 */
public final class WaitingWorkers {

    /** What one waiting worker is reckoned to hold beyond its heap: the JVM's own memory, code and threads. */
    private static final long WORKER_OVERHEAD_BYTES = 64L << 20;

    private final int most;
    private final AtomicInteger paused = new AtomicInteger();
    private volatile IntSupplier kept = () -> 0;

    /** @param most the most waiting workers; 0: {@link #defaultFor} */
    public WaitingWorkers(int most) {
        this.most = most;
    }

    /**
     * A quarter of the host's memory over what a waiting worker holds (its heap cap and the
     * JVM's own), at least {@code workers}.
     */
    public static int defaultFor(int workers, int workerHeapMegabytes) {
        long memory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        long perWorker = ((long) workerHeapMegabytes << 20) + WORKER_OVERHEAD_BYTES;
        return (int) Math.max(workers, Math.min(Integer.MAX_VALUE, memory / 4 / perWorker));
    }

    /** The bound. */
    public int most() {
        return most;
    }

    /** Waiting workers now, paused and kept. */
    public int count() {
        return paused.get() + kept.getAsInt();
    }

    /**
     * A turn's worker pauses for a human: whether it may give its worker slot back.
     * If so, {@link #resumed()} must follow.
     */
    public boolean tryPause() {
        while (true) {
            int now = paused.get();
            if (now + kept.getAsInt() >= most) {
                return false;
            }
            if (paused.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** A paused worker runs again, or its turn ended. */
    public void resumed() {
        paused.decrementAndGet();
    }

    /** How many session workers may be kept idle now, next to the paused ones. */
    int roomForKept() {
        return Math.max(0, most - paused.get());
    }

    /** Where the session workers kept idle are counted. */
    void countKept(IntSupplier kept) {
        this.kept = kept;
    }
}
