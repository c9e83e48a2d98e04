package motus.serve.server.edge;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Interrupts a thread unless disarmed in time. Interrupting a thread blocked on a socket read
 * closes the socket (it is an interruptible channel), which is the only way to bound a read
 * Helidon gives no timeout for.
 */
public final class Alarm {

    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final ScheduledFuture<?> ring;

    private Alarm(Thread thread, Duration delay, ScheduledExecutorService timer) {
        this.ring = timer.schedule(() -> {
            if (armed.compareAndSet(true, false)) {
                thread.interrupt();
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Interrupts the calling thread after {@code delay}, unless {@link #disarm()} comes first. */
    public static Alarm forCurrentThread(Duration delay, ScheduledExecutorService timer) {
        return new Alarm(Thread.currentThread(), delay, timer);
    }

    /** @return false if the alarm went off already: the thread is interrupted or about to be */
    public boolean disarm() {
        boolean disarmed = armed.compareAndSet(true, false);
        ring.cancel(false);
        return disarmed;
    }
}
