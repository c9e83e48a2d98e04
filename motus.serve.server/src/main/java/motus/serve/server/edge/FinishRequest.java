package motus.serve.server.edge;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * After each response: reads what is left of the request's body within the body timeout, then
 * ends the connection if either side said {@code Connection: close}, or if the body was too
 * large or too slow to read. A request with {@code Expect: 100-continue} whose body no route
 * read ends its connection without reading on: its client may or may not send that body now, so
 * nobody can tell where the next request would start (RFC 9110, 10.1.1).
 *
 * <p>Works around Helidon 4.5.0 (helidon#12324, fixed after 4.5.0, the newest release here):
 * it answers {@code Connection: close} but keeps reading the connection, and skips the unread
 * body of such a request, so that body was parsed as the next request: a DELETE hidden in the
 * body of a refused PATCH deleted another session, even behind a 401. Helidon drains unread
 * bodies of kept-alive requests itself, but with no deadline and no size limit.
 * Remove the close when Helidon is upgraded and {@code EdgeTest} passes without it.
 */
final class FinishRequest implements Filter {

    /** How long a connection that closes may still read a body nobody wants, so that the client sees the answer. */
    private static final Duration LINGER = Duration.ofSeconds(2);

    private final Duration bodyTimeout;
    private final long maxRequestBytes;
    private final ScheduledExecutorService timer;

    FinishRequest(Duration bodyTimeout, long maxRequestBytes, ScheduledExecutorService timer) {
        this.bodyTimeout = bodyTimeout;
        this.maxRequestBytes = maxRequestBytes;
        this.timer = timer;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        boolean expectsContinue = request.headers().first(HeaderNames.EXPECT)
                .map(expect -> expect.strip().equalsIgnoreCase("100-continue"))
                .orElse(false);
        if (expectsContinue) {
            // Said in the answer itself, so that the client knows not to send the body after all.
            response.beforeSend(() -> {
                if (!request.content().consumed()) {
                    response.header(HeaderValues.CONNECTION_CLOSE);
                }
            });
        }
        chain.proceed();
        boolean close = request.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                || response.headers().containsToken(HeaderValues.CONNECTION_CLOSE);
        if (!request.content().consumed()) {
            if (expectsContinue) {
                // Not even a lingering read: Helidon would first answer "100 Continue" (helidon 4.5.0
                // then parsed the body as the next request, past the API key, when the route ignored it).
                throw new CloseConnectionException("closing after a 100-continue request whose body was not read");
            }
            if (close || request.headers().contentLength().orElse(Long.MAX_VALUE) > maxRequestBytes) {
                // Closing a socket with unread input resets it, and the reset can destroy the answer
                // before the client reads it: read on for a moment, as nginx's lingering close does.
                skip(request, Duration.ofMillis(Math.min(LINGER.toMillis(), bodyTimeout.toMillis())), Long.MAX_VALUE);
                throw new CloseConnectionException("closing after a body that was not wanted");
            }
            skip(request, bodyTimeout, maxRequestBytes); // the connection stays open: the next request starts after it
        }
        if (close) {
            // Helidon closes the socket quietly on this exception; the response is written already.
            throw new CloseConnectionException("closing the connection after the response, as asked");
        }
    }

    /** Reads and drops what is left of the body, at most {@code limit} bytes within {@code time}. */
    private void skip(RoutingRequest request, Duration time, long limit) {
        Alarm deadline = Alarm.forCurrentThread(time, timer);
        try (InputStream body = request.content().inputStream()) {
            long left = limit;
            byte[] buffer = new byte[8192];
            for (int n; left > 0 && (n = body.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
                left -= n;
            }
            if (left <= 0) {
                throw new CloseConnectionException("the rest of the request body is over max-request-bytes");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CloseConnectionException close) {
                throw close;
            }
            throw new CloseConnectionException("the rest of the request body could not be read", e);
        } finally {
            if (!deadline.disarm()) {
                throw new CloseConnectionException("request body not received within " + time);
            }
        }
    }
}
