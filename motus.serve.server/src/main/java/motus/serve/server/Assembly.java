package motus.serve.server;

import io.helidon.webserver.http.HttpService;
import java.lang.System.Logger.Level;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import motus.serve.server.a2a.A2aService;
import motus.serve.server.a2a.AgentCard;
import motus.serve.server.conversation.Conversations;
import motus.serve.server.edge.Edge;
import motus.serve.server.http.ApiRoutes;
import motus.serve.server.http.ChatPage;
import motus.serve.server.http.Identities;
import motus.serve.server.http.RequestLimits;
import motus.serve.server.http.SessionService;
import motus.serve.server.judge.Judge;
import motus.serve.server.mcp.McpService;
import motus.serve.server.observe.ServerMetrics;
import motus.serve.server.session.MemorySessionStore;
import motus.serve.server.session.SessionRules;
import motus.serve.server.session.SessionStore;
import motus.serve.server.store.PostgresStore;
import motus.serve.server.trace.Tracing;
import motus.serve.server.turn.TurnRunner;
import motus.serve.server.turn.WebhookDestinations;
import motus.serve.server.turn.WebhookSender;
import motus.serve.server.workers.WaitingWorkers;
import motus.serve.server.workers.WorkerPool;
import motus.serve.server.workers.Workers;
import motus.serve.worker.WorkerLauncher;
import org.jspecify.annotations.Nullable;

/**
 * The parts of a server, wired from its settings in this one place: the workers, the turn runner,
 * the store, the routes and the edge. {@link AgentServer} only starts and stops them. Tests put
 * stand-in workers in ({@link AgentServer.Builder#workers}) and get the same server around them.
 */
final class Assembly {

    private static final System.Logger LOG = System.getLogger("motus.serve");

    /** This server's version, as its module says it: MCP's serverInfo. */
    private static final String VERSION = AgentServer.class.getModule().getDescriptor() == null ? "unknown"
            : AgentServer.class.getModule().getDescriptor().rawVersion().orElse("unknown");

    final Isolation isolation;
    final Duration shutdownTimeout;
    final ScheduledExecutorService timer;
    /**
     * The store's chores (the sweep; with PostgreSQL, the leases), on a thread of their own: a
     * slow database must not hold up the timer's deadlines.
     */
    final ScheduledExecutorService upkeep;
    final ServerMetrics metrics;
    final Workers workers;
    final TurnRunner turns;
    final SessionStore sessions;
    final ApiRoutes api;
    final @Nullable ChatPage page;
    final Edge edge;
    final Tracing tracing;

    /**
     * @param stopping whether the server is stopping: new sessions and turns are refused
     * @param checkAgent what a mounted service's start runs: the server's agent check
     * @param stopTurns what a mounted service's stop runs: the server's graceful end of turns
     */
    Assembly(AgentServer.Builder settings, BooleanSupplier stopping, Runnable checkAgent, Runnable stopTurns) {
        this.isolation = settings.value(Settings.ISOLATION);
        this.shutdownTimeout = settings.value(Settings.SHUTDOWN_TIMEOUT);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("motus-timer").daemon().factory());
        // Every request arms read deadlines and nearly all are cancelled: drop them at once, not when due.
        timer.setRemoveOnCancelPolicy(true);
        this.timer = timer;
        this.upkeep = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("motus-store-upkeep").daemon().factory());
        // The gauges read parts made after the metrics, which those parts report to.
        AtomicReference<@Nullable SessionStore> store = new AtomicReference<>();
        AtomicReference<@Nullable TurnRunner> runner = new AtomicReference<>();
        int mostWaiting = settings.value(Settings.MAX_WAITING_WORKERS);
        WaitingWorkers waiting = new WaitingWorkers(mostWaiting > 0 ? mostWaiting
                : WaitingWorkers.defaultFor(settings.value(Settings.WORKERS), settings.value(Settings.WORKER_HEAP_MB)));
        this.metrics = new ServerMetrics(() -> store.get() == null ? 0 : store.get().size(),
                () -> runner.get() == null ? 0 : runner.get().runningWorkers(), waiting::count);
        this.tracing = Tracing.configure(settings.value(Settings.OTEL), agentName(settings));
        this.workers = settings.workers != null ? settings.workers : workerPool(settings, waiting, timer, metrics, tracing);
        this.turns = new TurnRunner(workers, waiting, settings.value(Settings.WORKERS), settings.value(Settings.TIMEOUT),
                settings.value(Settings.INTERRUPT_TIMEOUT), settings.value(Settings.MAX_SESSION_BYTES), timer,
                new WebhookSender(new WebhookDestinations(settings.value(Settings.WEBHOOK_HOSTS)),
                        settings.value(Settings.WEBHOOK_TIMEOUT)), metrics, tracing);
        runner.set(turns);
        this.sessions = openStore(settings, turns, workers, upkeep);
        store.set(sessions);
        this.page = settings.value(Settings.UI) ? new ChatPage() : null;
        Conversations conversations = new Conversations(sessions, turns, settings.value(Settings.MULTITASK_STRATEGY),
                stopping);
        RequestLimits limits = new RequestLimits(settings.value(Settings.MAX_REQUEST_BYTES),
                settings.value(Settings.MAX_SESSION_BYTES), settings.value(Settings.BODY_TIMEOUT), timer);
        List<HttpService> routes = new ArrayList<>();
        routes.add(new SessionService(conversations, settings.judge != null ? settings.judge : Judge.fromEnvironment(),
                settings.value(Settings.ALLOW_CUSTOM_IDS), limits));
        if (settings.value(Settings.A2A)) {
            routes.add(new A2aService(conversations, limits, agentCard(settings)));
        }
        if (settings.value(Settings.MCP)) {
            routes.add(new McpService(conversations, limits, settings.value(Settings.MCP_TOOL), VERSION));
        }
        Identities identities = new Identities(settings.value(Settings.API_KEY), settings.value(Settings.API_KEYS),
                settings.value(Settings.JWT_JWKS), settings.value(Settings.JWT_ISSUER), settings.value(Settings.JWT_AUDIENCE),
                settings.value(Settings.JWT_CLOCK_SKEW));
        this.api = new ApiRoutes(identities, routes, checkAgent, stopTurns);
        int mostSpares = Math.max(settings.value(Settings.PREWARM), settings.value(Settings.PREWARM_MAX));
        this.edge = new Edge(settings.value(Settings.MAX_CONNECTIONS), settings.value(Settings.WORKERS) + mostSpares,
                settings.value(Settings.HEADER_TIMEOUT), settings.value(Settings.BODY_TIMEOUT), settings.value(Settings.IDLE_TIMEOUT),
                settings.value(Settings.MAX_REQUEST_BYTES), timer);
        Duration ttl = settings.value(Settings.TTL);
        // A quarter of the TTL, at most a second: an expired session is gone within about a second.
        long period = ttl.isZero() ? 1000 : Math.clamp(ttl.toMillis() / 4, 10, 1000);
        upkeep.scheduleWithFixedDelay(() -> sessions.sweep(ttl), period, period, TimeUnit.MILLISECONDS);
    }

    private static WorkerPool workerPool(AgentServer.Builder settings, WaitingWorkers waiting, ScheduledExecutorService timer,
                                         ServerMetrics metrics, Tracing tracing) {
        WorkerSnapshots snapshots = settings.value(Settings.WORKER_SNAPSHOTS);
        List<String> jvmOptions = new ArrayList<>();
        if (tracing.captureContent()) {
            // What the LangChain4j adapter (and other GenAI instrumentation) reads as its opt-in to put contents in spans.
            jvmOptions.add("-Dotel.instrumentation.genai.capture-message-content=true");
        }
        jvmOptions.addAll(settings.value(Settings.WORKER_JVM_OPTIONS));
        WorkerLauncher launcher = WorkerLauncher.builder()
                .agent(settings.value(Settings.AGENT))
                .modulePath(settings.value(Settings.MODULE_PATH))
                .classPath(settings.value(Settings.CLASS_PATH))
                .workerJvmOptions(jvmOptions)
                .traced(tracing.on())
                .workerHeapMegabytes(settings.value(Settings.WORKER_HEAP_MB))
                .maxResultBytes(settings.value(Settings.MAX_RESULT_BYTES))
                .hiddenEnvironment(Set.of(Settings.API_KEY_VARIABLE))
                .workerEnvironment(settings.value(Settings.WORKER_ENVIRONMENT))
                .servesSessions(settings.value(Settings.ISOLATION) == Isolation.SESSION)
                .build();
        return new WorkerPool(launcher, waiting, settings.value(Settings.PREWARM),
                settings.value(Settings.PREWARM_MAX), settings.value(Settings.WORKER_IDLE_TIMEOUT),
                settings.value(Settings.AGENT_AOT_CACHE) ? settings.value(Settings.AOT_CACHE_DIR) : null,
                snapshots != WorkerSnapshots.OFF, snapshots == WorkerSnapshots.ON, timer, metrics);
    }

    /** The agent's name, on its card and in its spans: a2a-name, by default the agent class's simple name. */
    private static String agentName(AgentServer.Builder settings) {
        String name = settings.value(Settings.A2A_NAME);
        if (name == null) {
            String agent = String.valueOf(settings.value(Settings.AGENT)); // [module/]Class[:member]
            String type = agent.substring(agent.indexOf('/') + 1).split(":", 2)[0];
            name = type.substring(type.lastIndexOf('.') + 1);
        }
        return name;
    }

    /** The A2A card's fixed part. */
    private static AgentCard agentCard(AgentServer.Builder settings) {
        return new AgentCard(agentName(settings), settings.value(Settings.A2A_DESCRIPTION), agentVersion(settings),
                settings.value(Settings.API_KEY) != null || !settings.value(Settings.API_KEYS).isEmpty()
                        || settings.value(Settings.JWT_JWKS) != null);
    }

    /** The version of the agent's module, when its reference names one on the module path that has one. */
    private static String agentVersion(AgentServer.Builder settings) {
        String agent = String.valueOf(settings.value(Settings.AGENT));
        if (agent.indexOf('/') < 0) {
            return "unknown";
        }
        try {
            return ModuleFinder.of(settings.value(Settings.MODULE_PATH).toArray(Path[]::new))
                    .find(agent.substring(0, agent.indexOf('/')))
                    .flatMap(module -> module.descriptor().rawVersion()).orElse("unknown");
        } catch (FindException unreadable) {
            return "unknown"; // the agent check says what is wrong with the module path
        }
    }

    /** Memory, or PostgreSQL with a store URL; a session deleted or expired there ends the worker kept for it. */
    private static SessionStore openStore(AgentServer.Builder settings, TurnRunner turns, Workers workers,
                                          ScheduledExecutorService upkeep) {
        String url = settings.value(Settings.STORE_URL);
        int maxSessions = settings.value(Settings.MAX_SESSIONS);
        SessionRules rules = new SessionRules(settings.value(Settings.MAX_QUEUED_MESSAGES));
        if (url == null) {
            long maxStoredBytes = settings.value(Settings.MAX_STORED_BYTES);
            if (maxStoredBytes == 0) {
                maxStoredBytes = Runtime.getRuntime().maxMemory() / 2; // the rest: requests in flight, and room to collect
            }
            LOG.log(Level.DEBUG, "sessions may hold {0} bytes of state (max-stored-bytes)", maxStoredBytes);
            return new MemorySessionStore(maxSessions, maxStoredBytes, rules, turns, workers::sessionEnded);
        }
        return PostgresStore.open(url, settings.value(Settings.STORE_USER), settings.value(Settings.STORE_PASSWORD),
                settings.value(Settings.STORE_LEASE), maxSessions, rules, turns, workers::sessionEnded, upkeep);
    }
}
