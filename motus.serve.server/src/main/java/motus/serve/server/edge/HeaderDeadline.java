package motus.serve.server.edge;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Closes a connection whose client takes longer than the header timeout between a request's
 * first line and the end of its headers: a client sending a header line every few seconds
 * otherwise holds a connection, and a file descriptor, for as long as it likes (Helidon's idle
 * timeout covers only the wait for a request's first line).
 *
 * <p>Helidon calls a connection's listeners on the thread that reads it, one thread per
 * connection, so the running alarm is kept per thread.
 */
final class HeaderDeadline implements Http1ConnectionListener {

    private final Duration timeout;
    private final ScheduledExecutorService timer;
    private final ThreadLocal<@Nullable Alarm> alarm = new ThreadLocal<>();

    HeaderDeadline(Duration timeout, ScheduledExecutorService timer) {
        this.timeout = timeout;
        this.timer = timer;
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        alarm.set(Alarm.forCurrentThread(timeout, timer));
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        Alarm running = alarm.get();
        alarm.remove();
        if (running != null && !running.disarm()) {
            throw new CloseConnectionException("request headers took longer than " + timeout);
        }
    }
}
