package motus.serve.server;

import io.helidon.config.Config;
import io.helidon.openapi.OpenApiFeature;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.observe.ObserveFeature;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import motus.serve.server.edge.ListenerWatch;
import motus.serve.server.http.NotFoundFallback;
import motus.serve.server.judge.Judge;
import motus.serve.server.observe.Health;
import motus.serve.server.session.SessionStore;
import motus.serve.server.workers.Workers;
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
 * routing: that server's start checks the agent, and its stop stops the turns.
 */
public final class AgentServer {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final String SHUTDOWN_CANCEL = "Turn cancelled: server shutting down";

    private final Assembly parts;
    private final AtomicBoolean agentChecked = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch turnsStopped = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile @Nullable WebServer webServer;
    private volatile @Nullable ListenerWatch listenerWatch;

    private AgentServer(Builder settings) {
        this.parts = new Assembly(settings, stopping::get, this::checkAgent, this::stopTurns);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A server with the settings of a config node; see {@link Builder#config(Config)}. */
    public static AgentServer create(Config config) {
        return builder().config(config).build();
    }

    /**
     * The HTTP routes, for mounting in an application's own WebServer. Its start checks the agent
     * (and fails if the agent does not resolve); its stop stops the turns as {@link #stop()} does.
     */
    public HttpService service() {
        return parts.api;
    }

    /**
     * Checks in a worker process that the agent reference resolves to an agent, then lets the
     * spare workers boot. Only the first call checks.
     *
     * @throws IllegalStateException whose message says what is missing
     */
    public void checkAgent() {
        if (!agentChecked.get()) {
            parts.workers.checkAgent();
            agentChecked.set(true);
        }
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
        checkAgent(); // before the server exists: a failure then leaves nothing to clean up
        WebServer server = listen(host, port);
        webServer = server;
        if (!server.isRunning()) {
            stop();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + "; see the log above");
        }
        LOG.log(Level.INFO, "serving {0} on http://{1}:{2,number,#} with {3} workers, isolation per {4}",
                parts.workers.agent(), host, server.port(), parts.turns.maxWorkers(), parts.isolation);
        LOG.log(Level.DEBUG, "at most {0} connections", parts.edge.maxConnections());
        int boundPort = server.port();
        listenerWatch = new ListenerWatch(host, boundPort, () -> relisten(host, boundPort), parts.timer);
        if (stopping.get()) {
            server.stop(); // stop() ran while the agent was being checked, before there was a server to stop
        }
        return this;
    }

    private WebServer listen(String host, int port) {
        return WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .featuresDiscoverServices(false) // only what is set here: no surprise endpoints
                .update(parts.edge::configure)
                .addFeature(ObserveFeature.just(Health.observer(parts.workers.agent(), this::notReady), parts.metrics.observer()))
                .addFeature(OpenApiFeature.create()) // serves META-INF/openapi.yaml at /openapi
                .routing(routing -> {
                    routing.update(parts.edge::configure);
                    Filter httpSpans = parts.tracing.httpSpans();
                    if (httpSpans != null) {
                        routing.addFilter(httpSpans); // first: the spans time what follows
                    }
                    if (parts.page != null) {
                        routing.register(parts.page); // before the API's key check: the page's files need no key
                    }
                    // Only here, not in the service others mount: their unknown paths are theirs.
                    routing.register(parts.api).addFeature(new NotFoundFallback());
                })
                .build()
                .start();
    }

    /** The listener stopped by itself (see {@link ListenerWatch}): the sessions and turns carry on under a new one. */
    private synchronized void relisten(String host, int port) {
        if (stopping.get()) {
            return;
        }
        LOG.log(Level.WARNING, "the HTTP listener on port {0,number,#} stopped (the error is logged above);"
                + " listening again", port);
        webServer.stop();
        WebServer server = listen(host, port);
        if (server.isRunning()) {
            webServer = server;
            LOG.log(Level.WARNING, "listening again on port {0,number,#}", port);
        }
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
        WebServer server = webServer;
        if (server == null) {
            throw new IllegalStateException("the server is not started");
        }
        return server.port();
    }

    /** Why the server cannot take turns now, or null: the readiness probe's answer. */
    private @Nullable String notReady() {
        return stopping.get() ? "the server is shutting down" : parts.workers.lastFailure();
    }

    /** The sessions, for tests in this package that look past the HTTP routes (after stop, say). */
    SessionStore sessions() {
        return parts.sessions;
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
        ListenerWatch watch = listenerWatch;
        if (watch != null) {
            watch.close();
        }
        stopTurns();
        WebServer server = webServer;
        if (server != null) {
            server.stop(); // its afterStop hook finds the turns stopped already
        }
        if (stopped.getCount() > 0) {
            stopped.countDown();
            LOG.log(Level.INFO, "stopped");
        }
    }

    /** The first call refuses new work and ends the turns; later ones wait until that is done. */
    private void stopTurns() {
        if (!stopping.compareAndSet(false, true)) {
            awaitTurnsStopped();
            return;
        }
        parts.workers.close();
        parts.turns.cancelQueued(SHUTDOWN_CANCEL);
        if (parts.shutdownTimeout.isZero()) {
            parts.turns.cancelInterrupted(SHUTDOWN_CANCEL); // "as long as they take" is for agents, not for humans
        }
        try {
            if (!parts.turns.awaitIdle(parts.shutdownTimeout)) {
                LOG.log(Level.INFO, "shutdown timeout reached: cancelling the turns still running");
                parts.turns.cancelAll(SHUTDOWN_CANCEL);
                parts.turns.awaitIdle(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            parts.turns.cancelAll(SHUTDOWN_CANCEL);
            Thread.currentThread().interrupt();
        } finally {
            parts.timer.shutdownNow();
            parts.metrics.close();
            parts.upkeep.shutdownNow();
            parts.sessions.close();
            parts.tracing.close(); // after the last turn's span
            turnsStopped.countDown();
        }
    }

    private void awaitTurnsStopped() {
        try {
            turnsStopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The settings of an {@link AgentServer}: those of {@link Settings}, by typed methods or
     * from a config node. Each is checked when set.
     */
    public static final class Builder {

        private final Map<Setting<?>, Object> values = new HashMap<>();
        /** Tests point the judge at a fake model endpoint; servers take theirs from the environment. */
        @Nullable Judge judge;
        /** Tests run turns in stand-in workers; servers start worker processes. */
        @Nullable Workers workers;

        private Builder() {
        }

        /** Where turns get their workers, instead of worker processes: stand-ins, in tests. */
        Builder workers(Workers workers) {
            this.workers = workers;
            return this;
        }

        /** The judge of {@code POST /eval/judge}, instead of the environment's {@code OPENAI_BASE_URL} and key. */
        Builder judge(Judge judge) {
            this.judge = judge;
            return this;
        }

        /** The agent reference, {@code [module/]Class[:member]} (required). */
        public Builder agent(String agent) {
            return set(Settings.AGENT, agent);
        }

        /** Where the agent's modules are: modular jars or exploded folders. */
        public Builder modulePath(List<Path> modulePath) {
            return set(Settings.MODULE_PATH, List.copyOf(modulePath));
        }

        /** Where the agent's plain jars are. */
        public Builder classPath(List<Path> classPath) {
            return set(Settings.CLASS_PATH, List.copyOf(classPath));
        }

        /**
         * The most turns running at once; further turns wait. A worker paused on an interrupt, or
         * kept between a session's turns ({@link Isolation#SESSION}), does not count: the setting
         * {@code max-waiting-workers} bounds those. Default: the CPU count.
         */
        public Builder maxWorkers(int maxWorkers) {
            return set(Settings.WORKERS, maxWorkers);
        }

        /** How long idle and error sessions live after their last activity; zero (default) keeps them. */
        public Builder ttl(Duration ttl) {
            return set(Settings.TTL, ttl);
        }

        /** The most a turn may take before its worker is killed; zero (default) sets no limit. */
        public Builder timeout(Duration timeout) {
            return set(Settings.TIMEOUT, timeout);
        }

        /**
         * The most a turn may wait for answers to its interrupts before it ends in error (default
         * one hour); {@link #timeout} does not count that wait.
         */
        public Builder interruptTimeout(Duration timeout) {
            return set(Settings.INTERRUPT_TIMEOUT, timeout);
        }

        /** The most sessions at once; zero (default) sets no limit. */
        public Builder maxSessions(int maxSessions) {
            return set(Settings.MAX_SESSIONS, maxSessions);
        }

        /**
         * Keeps sessions in PostgreSQL at this JDBC URL, shared with every server pointed at the same
         * database; by default they live in this server's memory.
         */
        public Builder storeUrl(String jdbcUrl) {
            return set(Settings.STORE_URL, jdbcUrl);
        }

        /** How long a turn outlives a server that stopped without ending it, with a store URL (default 10 s). */
        public Builder storeLease(Duration lease) {
            return set(Settings.STORE_LEASE, lease);
        }

        /** How long {@link #stop()} waits for running turns before killing them; zero (default) waits for all. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            return set(Settings.SHUTDOWN_TIMEOUT, shutdownTimeout);
        }

        /** Whether clients may choose session ids with {@code PUT /sessions/{id}}. */
        public Builder allowCustomIds(boolean allowCustomIds) {
            return set(Settings.ALLOW_CUSTOM_IDS, allowCustomIds);
        }

        /** Whether {@code start} serves the chat page at {@code /ui} (default: true). */
        public Builder ui(boolean ui) {
            return set(Settings.UI, ui);
        }

        /** Whether the server speaks A2A at {@code /a2a}, with its card (default: true). */
        public Builder a2a(boolean a2a) {
            return set(Settings.A2A, a2a);
        }

        /** The agent's name and description in its A2A card. */
        public Builder a2aCard(String name, String description) {
            return set(Settings.A2A_NAME, name).set(Settings.A2A_DESCRIPTION, description);
        }

        /** Whether the server speaks MCP at {@code /mcp} (default: true). */
        public Builder mcp(boolean mcp) {
            return set(Settings.MCP, mcp);
        }

        /** The name of the agent's MCP tool (default: {@code chat}). */
        public Builder mcpTool(String name) {
            return set(Settings.MCP_TOOL, name);
        }

        /**
         * What a worker process is kept for (default {@link Isolation#TURN}: one fresh worker
         * per turn); see {@link Isolation#SESSION} for what changes for agents.
         */
        public Builder isolation(Isolation isolation) {
            return set(Settings.ISOLATION, isolation);
        }

        /**
         * Whether workers are restored from a checkpoint of a prepared worker (CRIU) rather than
         * started as fresh JVMs (default {@link WorkerSnapshots#AUTO}: where CRIU works here).
         */
        public Builder workerSnapshots(WorkerSnapshots snapshots) {
            return set(Settings.WORKER_SNAPSHOTS, snapshots);
        }

        /**
         * How long a session's worker ({@link Isolation#SESSION}) waits for its session's next
         * turn, and a spare above {@link #prewarm} for a turn, before it exits (default 5 minutes).
         */
        public Builder workerIdleTimeout(Duration timeout) {
            return set(Settings.WORKER_IDLE_TIMEOUT, timeout);
        }

        /** Extra JVM options for every worker, e.g. {@code -Dapi.url=...}. */
        public Builder workerJvmOptions(List<String> options) {
            return set(Settings.WORKER_JVM_OPTIONS, List.copyOf(options));
        }

        /**
         * How many spare workers boot ahead of the next message (default 1; 0 turns it off).
         * Each serves one turn only, so isolation is unchanged; each costs one worker's memory.
         */
        public Builder prewarm(int spares) {
            return set(Settings.PREWARM, spares);
        }

        /**
         * The most spare workers while turns find none ready (default 4): each such turn adds
         * one, and one left unused for {@link #workerIdleTimeout} exits, down to {@link #prewarm}.
         */
        public Builder prewarmMax(int spares) {
            return set(Settings.PREWARM_MAX, spares);
        }

        /**
         * The environment variables workers inherit, by name (default: all of the server's but
         * {@value Settings#API_KEY_VARIABLE}, which workers never see). Null: all.
         */
        public Builder workerEnvironment(@Nullable List<String> names) {
            if (names == null) {
                values.remove(Settings.WORKER_ENVIRONMENT);
                return this;
            }
            return set(Settings.WORKER_ENVIRONMENT, List.copyOf(names));
        }

        /**
         * Whether the server makes the agent its own AOT cache, in the background, once per agent
         * version, and starts workers from it (default true; needs JDK 25).
         */
        public Builder agentAotCache(boolean enabled) {
            return set(Settings.AGENT_AOT_CACHE, enabled);
        }

        /** Where agents' AOT caches are kept (default {@code ~/.cache/motus/aot}). */
        public Builder aotCacheDirectory(Path directory) {
            return set(Settings.AOT_CACHE_DIR, directory);
        }

        /** The heap cap of each worker, in MiB (default 256); an agent that needs more fails with OutOfMemoryError. */
        public Builder workerHeapMegabytes(int megabytes) {
            return set(Settings.WORKER_HEAP_MB, megabytes);
        }

        /** The largest turn result accepted from a worker, in bytes (default 16 MiB). */
        public Builder maxResultBytes(long bytes) {
            return set(Settings.MAX_RESULT_BYTES, bytes);
        }

        /** The largest request body accepted, in bytes (default 4 MiB); a larger one is answered 413. */
        public Builder maxRequestBytes(long bytes) {
            return set(Settings.MAX_REQUEST_BYTES, bytes);
        }

        /**
         * The largest state one session may hold, about its size as JSON (default 16 MiB): a create
         * with more is answered 413, a turn that would leave more fails and keeps the state it had.
         */
        public Builder maxSessionBytes(long bytes) {
            return set(Settings.MAX_SESSION_BYTES, bytes);
        }

        /**
         * The most state all sessions in memory may hold together (default 0: half the server's
         * heap): past it a create is answered 503, a turn that would grow past it fails and keeps
         * its state. Sessions in PostgreSQL do not count.
         */
        public Builder maxStoredBytes(long bytes) {
            return set(Settings.MAX_STORED_BYTES, bytes);
        }

        /**
         * The most open client connections (default 0: the process's file-descriptor limit less
         * room for the JVM and its workers, at most 10000); further connections wait in the
         * listen backlog until one closes.
         */
        public Builder maxConnections(int connections) {
            return set(Settings.MAX_CONNECTIONS, connections);
        }

        /** The most a client may take to send a request's headers after its first line (default 20 s). */
        public Builder headerTimeout(Duration timeout) {
            return set(Settings.HEADER_TIMEOUT, timeout);
        }

        /** The most a client may take to send a request's body (default 60 s). */
        public Builder bodyTimeout(Duration timeout) {
            return set(Settings.BODY_TIMEOUT, timeout);
        }

        /** How long a kept-alive connection may wait for its next request (default 60 s). */
        public Builder idleTimeout(Duration timeout) {
            return set(Settings.IDLE_TIMEOUT, timeout);
        }

        /** Where webhooks may go: {@code *}, hosts, {@code *.domain}, IP addresses, CIDR networks (default: {@code *}). */
        public Builder webhookHosts(List<String> allowed) {
            return set(Settings.WEBHOOK_HOSTS, List.copyOf(allowed));
        }

        /** The most a webhook delivery may take, from connecting to the receiver's last byte (default 10 s). */
        public Builder webhookTimeout(Duration timeout) {
            return set(Settings.WEBHOOK_TIMEOUT, timeout);
        }

        /**
         * OpenTelemetry's settings without their {@code otel.} prefix ({@code exporter.otlp.endpoint},
         * {@code traces.sampler}, ...), beneath the {@code OTEL_*} environment; traces are off unless
         * an endpoint or exporter is named (default: none).
         */
        public Builder otel(Map<String, String> properties) {
            return set(Settings.OTEL, Map.copyOf(properties));
        }

        /**
         * An API key (default: none): when set, every route but {@code /health} and
         * {@code /observe/health} needs the header {@code Authorization: Bearer <key>}, and
         * answers 401 without it. Null: none.
         */
        public Builder apiKey(@Nullable String apiKey) {
            if (apiKey == null) {
                values.remove(Settings.API_KEY);
                return this;
            }
            return set(Settings.API_KEY, apiKey);
        }

        /**
         * API keys that name who presents them (default: none): a session belongs to the identity
         * that created it, and other identities (but admins) get 404 on it everywhere. With
         * {@link #apiKey} too, that key acts as an admin.
         */
        public Builder apiKeys(List<NamedKey> keys) {
            return set(Settings.API_KEYS, List.copyOf(keys));
        }

        /**
         * Takes the settings present in {@code config}, keyed as {@link Settings} declares them
         * (the flags' names): {@code workers}, {@code ttl}, {@code worker-heap-mb}, ...
         *
         * @throws IllegalArgumentException naming the full key of a bad value
         */
        public Builder config(Config config) {
            Settings.ALL.forEach(setting -> read(setting, config.get(setting.key())));
            return this;
        }

        private <T> void read(Setting<T> setting, Config node) {
            setting.read(node).ifPresent(value -> values.put(setting, value));
        }

        /**
         * Sets any setting of {@link Settings}, checked as the flag and the config key are; the
         * typed methods above are shorthands for the common ones.
         *
         * @throws IllegalArgumentException if the value is out of the setting's range
         */
        public <T> Builder set(Setting<T> setting, T value) {
            values.put(setting, setting.check(value));
            return this;
        }

        @SuppressWarnings("unchecked") // values only ever holds a setting's own type, put there by set or read
        <T> T value(Setting<T> setting) {
            return (T) values.getOrDefault(setting, setting.defaultValue());
        }

        public AgentServer build() {
            if (value(Settings.AGENT) == null) {
                throw new NullPointerException("agent is not set");
            }
            return new AgentServer(this);
        }
    }
}
