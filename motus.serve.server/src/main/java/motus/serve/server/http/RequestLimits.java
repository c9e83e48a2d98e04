package motus.serve.server.http;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How much of a request body the routes read, and for how long.
 *
 * @param maxBytes a larger body is answered 413 before more of it is read into memory
 * @param bodyTimeout a body not received within this time closes the connection
 * @param timer runs the body deadlines
 */
public record RequestLimits(long maxBytes, Duration bodyTimeout, ScheduledExecutorService timer) {
}
