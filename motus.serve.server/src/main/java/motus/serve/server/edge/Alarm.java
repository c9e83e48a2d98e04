package motus.serve.server.edge;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a thread unless disarmed in time. Interrupting a thread blocked on a socket read
 * closes the socket (it is an interruptible channel), which is the only way to bound a read
 * Helidon gives no timeout for.
 */
public final class Alarm {

    private final Thread thread;
    private final ScheduledFuture<?> ring;
    private boolean armed = true;

    private Alarm(Thread thread, Duration delay, ScheduledExecutorService timer) {
        this.thread = thread;
        this.ring = timer.schedule(this::ring, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Interrupts the calling thread after {@code delay}, unless {@link #disarm()} comes first. */
    public static Alarm forCurrentThread(Duration delay, ScheduledExecutorService timer) {
        return new Alarm(Thread.currentThread(), delay, timer);
    }

    private synchronized void ring() {
        if (armed) {
            armed = false;
            thread.interrupt();
        }
    }

    /**
     * Called by the thread the alarm watches. If the alarm rang, its interrupt has been delivered
     * (ringing and disarming exclude each other, so none can land later, in the next request), and
     * the thread's interrupt status is cleared so that it interrupts nothing the caller does next;
     * a read it cut short has closed its socket already.
     *
     * @return false if the alarm rang
     */
    public synchronized boolean disarm() {
        ring.cancel(false);
        if (armed) {
            armed = false;
            return true;
        }
        Thread.interrupted();
        return false;
    }
}
