package motus.serve.server.edge;

import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a server exposed to the network needs below the routes: a connection limit that keeps
 * the process below its file-descriptor limit (when accept fails for want of descriptors, a
 * Helidon listener stops for good), deadlines for idle connections and slow headers, connections
 * closed when a request asks for it, and every refusal in the contract's JSON shape.
 */
public final class Edge {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    /** Helidon's defaults, named here because the error details quote them. */
    private static final int MAX_REQUEST_LINE_BYTES = 2048;
    private static final int MAX_HEADER_BYTES = 16384;
    /** Most connections when the descriptor limit is unknown or huge. */
    private static final int MOST_CONNECTIONS = 10_000;
    /** Descriptors kept for the JVM itself (jars, the image, epoll) and each worker's three pipes. */
    private static final int RESERVED_DESCRIPTORS = 128;
    private static final int DESCRIPTORS_PER_WORKER = 4;

    private final int maxConnections;
    private final Duration headerTimeout;
    private final Duration bodyTimeout;
    private final Duration idleTimeout;
    private final long maxRequestBytes;
    private final ScheduledExecutorService timer;

    /**
     * @param maxConnections the most open connections, or 0 for {@link #automaticConnectionLimit}
     * @param workers how many worker processes may run at once, spares included
     */
    public Edge(int maxConnections, int workers, Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
                long maxRequestBytes, ScheduledExecutorService timer) {
        this.maxConnections = maxConnections > 0 ? checked(maxConnections, workers) : automaticConnectionLimit(workers);
        this.headerTimeout = headerTimeout;
        this.bodyTimeout = bodyTimeout;
        this.idleTimeout = idleTimeout;
        this.maxRequestBytes = maxRequestBytes;
        this.timer = timer;
    }

    /**
     * Works around a JDK behaviour: the poller that parks virtual threads on sockets
     * ({@code sun.nio.ch.Poller}) starts at the first read that must wait, and if no descriptor is
     * left for its epoll then, its class initialiser fails for the life of the JVM, and every later
     * request that waits for bytes answers 500. Started here, while descriptors are there.
     * ImageIT.theListenerComesBackAfterTheProcessRanOutOfDescriptors failed so (its /health 500,
     * ExceptionInInitializerError in Poller.<clinit>) whenever the server's first waiting read
     * came during the exhaustion: twice in a month of CI runs, not reproducible on demand.
     */
    private static void startSocketPoller() {
        try {
            Class.forName("sun.nio.ch.Poller", true, null);
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.log(Level.WARNING, "the JDK's socket poller could not be started ahead of the first request: {0}", e);
        }
    }

    /** The connection limit in force. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Applies the limits, deadlines and error bodies to the server's listener. */
    public void configure(WebServerConfig.Builder server) {
        startSocketPoller();
        // No maxPayloadSize: Helidon would answer 413 and close at once, and the unread body resets
        // the connection before the client reads the answer; the routes answer it, then FinishRequest lingers.
        server.maxTcpConnections(maxConnections)
                .idleConnectionTimeout(idleTimeout)
                // Helidon checks every two minutes by default: a connection would outlive its timeout by that much.
                .idleConnectionPeriod(Duration.ofMillis(Math.clamp(idleTimeout.toMillis() / 4, 250, 10_000)))
                .errorHandling(ErrorHandling.builder().includeEntity(true).build())
                .directHandlers(new TransportErrors(maxRequestBytes, MAX_REQUEST_LINE_BYTES, MAX_HEADER_BYTES).handlers())
                // Ours replaces the discovered HTTP/1.1 provider: with two, Helidon must sniff each connection's
                // protocol, and drops HTTP/1.0 and over-long request lines without an answer.
                .protocolsDiscoverServices(false)
                .addProtocol(Http1Config.builder()
                        .maxPrologueLength(MAX_REQUEST_LINE_BYTES)
                        .maxHeadersSize(MAX_HEADER_BYTES)
                        .addReceiveListener(new HeaderDeadline(headerTimeout, timer))
                        .build());
    }

    /**
     * Registers what runs around every route: the request line checked first (HEAD as GET without
     * a body, absolute targets only for http), then after the route the rest of the body read in
     * time and connections closed when asked.
     */
    public void configure(HttpRouting.Builder routing) {
        routing.addFilter(new FinishRequest(bodyTimeout, maxRequestBytes, timer));
        routing.addFilter(new RequestLine());
    }

    /**
     * The descriptor limit less what the JVM and the workers need, at most {@value #MOST_CONNECTIONS}:
     * 884 under the common limit of 1024 with two workers and a spare.
     */
    static int automaticConnectionLimit(int workers) {
        long descriptors = descriptorLimit();
        if (descriptors <= 0) {
            return MOST_CONNECTIONS;
        }
        long room = descriptors - RESERVED_DESCRIPTORS - (long) DESCRIPTORS_PER_WORKER * workers;
        return Math.clamp(room, 16, MOST_CONNECTIONS);
    }

    private static int checked(int maxConnections, int workers) {
        long descriptors = descriptorLimit();
        if (descriptors > 0 && maxConnections > automaticConnectionLimit(workers)) {
            LOG.log(Level.WARNING, "max-connections {0} leaves too few of the process''s {1} file descriptors for"
                    + " the JVM and its workers: once they run out, no connection is accepted until some close",
                    maxConnections, descriptors);
        }
        return maxConnections;
    }

    private static long descriptorLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount()
                : -1;
    }
}
