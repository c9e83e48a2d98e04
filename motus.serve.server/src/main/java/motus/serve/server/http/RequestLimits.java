package motus.serve.server.http;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How much of a request body the routes read, and for how long; how large a state a client may preload.
 *
 * @param maxBytes a larger body is answered 413 before more of it is read into memory
 * @param maxSessionBytes a new session's state larger than this, as {@code StateSize} counts it, is answered 413
 * @param bodyTimeout a body not received within this time closes the connection
 * @param timer runs the body deadlines
 */
public record RequestLimits(long maxBytes, long maxSessionBytes, Duration bodyTimeout, ScheduledExecutorService timer) {
}
