package motus.serve.server;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import motus.serve.worker.WorkerLauncher;
import motus.serve.worker.WorkerProcess;
import motus.serve.worker.WorkerStartException;
import org.jspecify.annotations.Nullable;

/**
 * An agent behind HTTP: sessions, one fresh worker process per turn, and the motus serve
 * wire contract.
 *
 * <pre>{@code
 * AgentServer server = AgentServer.builder()
 *         .agent("com.acme.EchoAgent")
 *         .modulePath(List.of(Path.of("agents/echo.jar")))
 *         .ttl(Duration.ofHours(1))
 *         .build();
 * server.run("0.0.0.0", 8000);   // blocks until stop()
 * }</pre>
 *
 * <p>To serve the routes from a WebServer of your own, register {@link #service()} in its
 * routing, call {@link #checkAgent()} before it listens and {@link #stop()} when it stops.
 */
public final class AgentServer {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    /** Environment variables workers never inherit: the server's own secrets. */
    private static final Set<String> SERVER_SECRETS = Set.of("MOTUS_API_KEY");

    private final WorkerLauncher launcher;
    private final Duration shutdownTimeout;
    private final int maxWorkers;
    private final ScheduledExecutorService timer;
    private final SessionStore sessions;
    private final ServerMetrics metrics;
    private final WorkerStarts workerStarts;
    private final SpareWorkers spares;
    private final TurnRunner turns;
    private final SessionService service;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile WebServer webServer;

    private AgentServer(Builder builder) {
        this.launcher = WorkerLauncher.builder()
                .agent(Objects.requireNonNull(builder.agent, "agent is not set"))
                .modulePath(builder.modulePath)
                .classPath(builder.classPath)
                .jvmOptions(builder.workerJvmOptions)
                .maxHeapMegabytes(builder.workerHeapMegabytes)
                .hiddenEnvironment(SERVER_SECRETS)
                .build();
        this.shutdownTimeout = builder.shutdownTimeout;
        this.maxWorkers = builder.maxWorkers;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                .name("motus-timer").daemon().factory());
        this.sessions = new SessionStore(builder.maxSessions);
        this.metrics = new ServerMetrics(sessions::size, this::runningWorkers);
        this.workerStarts = new WorkerStarts(metrics);
        this.spares = new SpareWorkers(launcher, builder.prewarm, timer, workerStarts);
        this.turns = new TurnRunner(launcher, spares, workerStarts, builder.maxWorkers, builder.timeout,
                builder.maxResultBytes, timer, new WebhookSender(), metrics);
        this.service = new SessionService(sessions, turns, builder.allowCustomIds, builder.maxRequestBytes,
                builder.apiKey == null ? null : new BearerToken(builder.apiKey), stopping::get);
        if (!builder.ttl.isZero()) {
            // A quarter of the TTL, at most a second: an expired session is gone within about a second.
            long period = Math.clamp(builder.ttl.toMillis() / 4, 10, 1000);
            timer.scheduleWithFixedDelay(() -> sessions.expire(builder.ttl), period, period, TimeUnit.MILLISECONDS);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A server with the settings of a config node; see {@link Builder#config(Config)}. */
    public static AgentServer create(Config config) {
        return builder().config(config).build();
    }

    /** The HTTP routes, for mounting in an application's own WebServer. */
    public HttpService service() {
        return service;
    }

    /**
     * Checks in a worker process that the agent reference resolves to an agent, then lets the
     * spare workers boot.
     *
     * @throws IllegalStateException whose message says what is missing
     */
    public void checkAgent() {
        WorkerProcess worker;
        try {
            worker = launcher.start("agent check");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a worker process: " + e.getMessage(), e);
        }
        try {
            worker.awaitReady();
            workerStarts.succeeded(worker);
        } catch (WorkerStartException e) {
            workerStarts.failed(e.getMessage());
            throw new IllegalStateException("agent '" + launcher.agent() + "' does not resolve: " + e.getMessage());
        } finally {
            worker.kill();
        }
        spares.topUp(); // the agent resolves: spares can boot ahead of the first message
    }

    /**
     * Checks the agent, then listens. Returns once the server accepts connections.
     *
     * @param port the port, or 0 for a free one (see {@link #port()})
     * @throws IllegalStateException if the agent does not resolve
     */
    public AgentServer start(String host, int port) {
        if (stopping.get()) {
            throw new IllegalStateException("the server has been stopped");
        }
        checkBind(host, port);
        checkAgent();
        webServer = WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .featuresDiscoverServices(false) // only what is set here: no surprise endpoints
                .addFeature(ObserveFeature.just(health(), metrics.observer()))
                .addFeature(OpenApiFeature.create()) // serves META-INF/openapi.yaml at /openapi
                .routing(routing -> routing.register(service)
                        // Only here, not in the service others mount: their unknown paths are theirs.
                        .addFeature(new NotFoundFallback()))
                .build()
                .start();
        if (!webServer.isRunning()) {
            stop();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + "; see the log above");
        }
        LOG.log(Level.INFO, "serving {0} on http://{1}:{2,number,#} with {3} workers",
                launcher.agent(), host, webServer.port(), maxWorkers);
        if (stopping.get()) {
            webServer.stop(); // stop() ran while the agent was being checked, before there was a server to stop
        }
        return this;
    }

    /**
     * Helidon Health at {@code /observe/health}, for probes: live while the server answers,
     * ready while the latest worker start succeeded (the start-up check, a spare or a turn's
     * worker) and the server is not shutting down. A probe never starts a JVM.
     */
    private HealthObserver health() {
        return HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS, "server")
                .addCheck(this::workersCanStart, HealthCheckType.READINESS, "workers")
                .build();
    }

    private HealthCheckResponse workersCanStart() {
        String failure = stopping.get() ? "the server is shutting down" : workerStarts.lastFailure();
        HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                .status(failure == null)
                .detail("agent", launcher.agent());
        if (failure != null) {
            response.detail("error", failure);
        }
        return response.build();
    }

    /** Binds once by itself first, because Helidon reports a port in use only as a logged stack trace. */
    private static void checkBind(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    /** The port the server listens on. */
    public int port() {
        if (webServer == null) {
            throw new IllegalStateException("the server is not started");
        }
        return webServer.port();
    }

    /** For the gauge: read when scraped, so after the constructor has set {@code turns}. */
    private int runningWorkers() {
        return turns.runningWorkers();
    }

    /** The sessions, for tests in this package that look past the HTTP routes (after stop, say). */
    SessionStore sessions() {
        return sessions;
    }

    /** Starts, then blocks until {@link #stop()} has finished. */
    public void run(String host, int port) {
        start(host, port);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
    }

    /** Blocks until {@link #stop()} has finished, for example when a signal handler calls it. */
    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops gracefully: refuses new work, waits for running turns as long as the shutdown
     * timeout allows (zero: as long as they take), kills the rest, then stops listening.
     * Safe to call more than once and from any thread; returns when the server has stopped.
     */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        spares.close();
        try {
            if (!turns.awaitIdle(shutdownTimeout)) {
                LOG.log(Level.INFO, "shutdown timeout reached: cancelling the turns still running");
                turns.cancelAll("Turn cancelled: server shutting down");
                turns.awaitIdle(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            turns.cancelAll("Turn cancelled: server shutting down");
            Thread.currentThread().interrupt();
        } finally {
            if (webServer != null) {
                webServer.stop();
            }
            timer.shutdownNow();
            metrics.close();
            stopped.countDown();
            LOG.log(Level.INFO, "stopped");
        }
    }

    /** The settings of an {@link AgentServer}; the same as the flags of {@code motus serve start}. */
    public static final class Builder {
        private String agent;
        private List<Path> modulePath = List.of();
        private List<Path> classPath = List.of();
        private int maxWorkers = Runtime.getRuntime().availableProcessors();
        private Duration ttl = Duration.ZERO;
        private Duration timeout = Duration.ZERO;
        private int maxSessions;
        private Duration shutdownTimeout = Duration.ZERO;
        private boolean allowCustomIds;
        private List<String> workerJvmOptions = List.of();
        private int workerHeapMegabytes = 256;
        private int prewarm = 1;
        private long maxResultBytes = 16L << 20;
        private long maxRequestBytes = 4L << 20;
        private @Nullable String apiKey;

        private Builder() {
        }

        /** The agent reference, {@code [module/]Class[:member]} (required). */
        public Builder agent(String agent) {
            this.agent = Objects.requireNonNull(agent, "agent");
            return this;
        }

        /** Where the agent's modules are: modular jars or exploded folders. */
        public Builder modulePath(List<Path> modulePath) {
            this.modulePath = List.copyOf(modulePath);
            return this;
        }

        /** Where the agent's plain jars are. */
        public Builder classPath(List<Path> classPath) {
            this.classPath = List.copyOf(classPath);
            return this;
        }

        /** The most worker processes running at once; further turns wait. Default: the CPU count. */
        public Builder maxWorkers(int maxWorkers) {
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("max workers must be at least 1, not " + maxWorkers);
            }
            this.maxWorkers = maxWorkers;
            return this;
        }

        /** How long idle and error sessions live after their last activity; zero (default) keeps them. */
        public Builder ttl(Duration ttl) {
            this.ttl = nonNegative(ttl, "ttl");
            return this;
        }

        /** The most a turn may take before its worker is killed; zero (default) sets no limit. */
        public Builder timeout(Duration timeout) {
            this.timeout = nonNegative(timeout, "timeout");
            return this;
        }

        /** The most sessions at once; zero (default) sets no limit. */
        public Builder maxSessions(int maxSessions) {
            if (maxSessions < 0) {
                throw new IllegalArgumentException("max sessions must not be negative, not " + maxSessions);
            }
            this.maxSessions = maxSessions;
            return this;
        }

        /** How long {@link #stop()} waits for running turns before killing them; zero (default) waits for all. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = nonNegative(shutdownTimeout, "shutdown timeout");
            return this;
        }

        /** Whether clients may choose session ids with {@code PUT /sessions/{id}}. */
        public Builder allowCustomIds(boolean allowCustomIds) {
            this.allowCustomIds = allowCustomIds;
            return this;
        }

        /** Extra JVM options for every worker, e.g. {@code -Dapi.url=...}. */
        public Builder workerJvmOptions(List<String> options) {
            this.workerJvmOptions = List.copyOf(options);
            return this;
        }

        /**
         * How many spare workers boot ahead of the next message (default 1; 0 turns it off).
         * Each serves one turn only, so isolation is unchanged; each costs one worker's memory.
         */
        public Builder prewarm(int spares) {
            if (spares < 0) {
                throw new IllegalArgumentException("prewarm must not be negative, not " + spares);
            }
            this.prewarm = spares;
            return this;
        }

        /** The heap cap of each worker, in MiB (default 256); an agent that needs more fails with OutOfMemoryError. */
        public Builder workerHeapMegabytes(int megabytes) {
            if (megabytes < 16) {
                throw new IllegalArgumentException("worker heap must be at least 16 MiB, not " + megabytes);
            }
            this.workerHeapMegabytes = megabytes;
            return this;
        }

        /** The largest turn result accepted from a worker, in bytes (default 16 MiB). */
        public Builder maxResultBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("max result size must be at least 1024 bytes, not " + bytes);
            }
            this.maxResultBytes = bytes;
            return this;
        }

        /** The largest request body accepted, in bytes (default 4 MiB); a larger one is answered 413. */
        public Builder maxRequestBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("max request size must be at least 1024 bytes, not " + bytes);
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * An API key (default: none): when set, every route but {@code /health} and
         * {@code /observe/health} needs the header {@code Authorization: Bearer <key>}, and
         * answers 401 without it.
         */
        public Builder apiKey(@Nullable String apiKey) {
            if (apiKey != null && apiKey.isBlank()) {
                throw new IllegalArgumentException("the API key must not be blank");
            }
            this.apiKey = apiKey;
            return this;
        }

        /**
         * Takes the settings present in {@code config}, keyed as the flags are:
         * {@code agent}, {@code module-path}, {@code class-path} (path lists), {@code workers},
         * {@code ttl}, {@code timeout}, {@code shutdown-timeout} (seconds), {@code max-sessions},
         * {@code allow-custom-ids}, {@code prewarm}, {@code worker-jvm-options} (a list),
         * {@code worker-heap-mb}, {@code max-request-bytes}, {@code max-result-bytes}, {@code api-key}.
         */
        public Builder config(Config config) {
            SETTINGS.forEach((key, apply) -> setting(config.get(key), node -> apply.accept(this, node)));
            return this;
        }

        /** The keys {@link #config(Config)} reads, for tools that reject the keys it would ignore. */
        public static Set<String> configKeys() {
            return SETTINGS.keySet();
        }

        /** Each config key and how it sets the builder; the keys are the flags' names. */
        private static final Map<String, BiConsumer<Builder, Config>> SETTINGS = settings();

        private static Map<String, BiConsumer<Builder, Config>> settings() {
            Map<String, BiConsumer<Builder, Config>> settings = new LinkedHashMap<>();
            settings.put("agent", (b, c) -> c.asString().ifPresent(b::agent));
            settings.put("module-path", (b, c) -> c.asString().ifPresent(p -> b.modulePath(paths(p))));
            settings.put("class-path", (b, c) -> c.asString().ifPresent(p -> b.classPath(paths(p))));
            settings.put("workers", (b, c) -> c.asInt().ifPresent(b::maxWorkers));
            settings.put("ttl", (b, c) -> c.asDouble().ifPresent(s -> b.ttl(seconds(s, "ttl"))));
            settings.put("timeout", (b, c) -> c.asDouble().ifPresent(s -> b.timeout(seconds(s, "timeout"))));
            settings.put("max-sessions", (b, c) -> c.asInt().ifPresent(b::maxSessions));
            settings.put("shutdown-timeout",
                    (b, c) -> c.asDouble().ifPresent(s -> b.shutdownTimeout(seconds(s, "shutdown timeout"))));
            settings.put("allow-custom-ids", (b, c) -> c.asBoolean().ifPresent(b::allowCustomIds));
            settings.put("prewarm", (b, c) -> c.asInt().ifPresent(b::prewarm));
            settings.put("worker-jvm-options", (b, c) -> c.asList(String.class).ifPresent(b::workerJvmOptions));
            settings.put("worker-heap-mb", (b, c) -> c.asInt().ifPresent(b::workerHeapMegabytes));
            settings.put("max-request-bytes", (b, c) -> c.asLong().ifPresent(b::maxRequestBytes));
            settings.put("max-result-bytes", (b, c) -> c.asLong().ifPresent(b::maxResultBytes));
            settings.put("api-key", (b, c) -> c.asString().ifPresent(b::apiKey));
            return Collections.unmodifiableMap(settings);
        }

        /** Applies one config node; a bad value is reported with the node's full key. */
        private static void setting(Config node, Consumer<Config> apply) {
            try {
                apply.accept(node);
            } catch (ConfigException e) {
                throw new IllegalArgumentException(node.key() + ": not a valid value ("
                        + node.asString().orElse("?") + ")", e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(node.key() + ": " + e.getMessage(), e);
            }
        }

        public AgentServer build() {
            return new AgentServer(this);
        }

        /** A {@code :}-separated path list, as {@code --module-path} takes it. */
        public static List<Path> paths(String pathList) {
            return Arrays.stream(pathList.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
        }

        /** Float seconds, as the flags and the wire take them. */
        public static Duration seconds(double seconds, String what) {
            if (!Double.isFinite(seconds) || seconds < 0) {
                throw new IllegalArgumentException(what + " must be a number of seconds >= 0, not " + seconds);
            }
            return Duration.ofNanos((long) (seconds * 1e9));
        }

        private static Duration nonNegative(Duration duration, String what) {
            if (duration.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, not " + duration);
            }
            return duration;
        }
    }
}
