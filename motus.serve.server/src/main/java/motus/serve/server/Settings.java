package motus.serve.server;

import io.helidon.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import motus.serve.server.session.MultitaskStrategy;
import motus.serve.server.turn.WebhookDestinations;
import motus.serve.worker.PathList;
import org.jspecify.annotations.Nullable;

/**
 * Every setting of an {@link AgentServer}, each declared once: key, type, default, meaning,
 * check. {@code motus serve start} makes its flags from these, config files are read and
 * checked for typos with them, and {@code examples/application.yaml} is tested against them.
 */
public final class Settings {

    /** The environment variable that holds the API key; workers never inherit it. */
    public static final String API_KEY_VARIABLE = "MOTUS_API_KEY";

    public static final Setting<String> AGENT = new Setting<>("agent",
            "The agent: [module/]Class[:member].",
            null, node -> node.asString().asOptional(), value -> { }, null, List.of());

    public static final Setting<List<Path>> MODULE_PATH = paths("module-path", List.of("-p"),
            "Where the agent's modules are (jars or folders, ':'-separated).");

    public static final Setting<List<Path>> CLASS_PATH = paths("class-path", List.of("-cp"),
            "Non-modular agent jars (':'-separated).");

    public static final Setting<Integer> WORKERS = whole("workers", Runtime.getRuntime().availableProcessors(), 1,
            "N", "Most turns running at once; a worker paused on an interrupt or kept for its session does not count"
                    + " (see max-waiting-workers) (default: the CPU count).");

    public static final Setting<Duration> TTL = seconds("ttl",
            "Seconds an idle or failed session lives; 0 = forever (default: 0).");

    public static final Setting<Duration> TIMEOUT = seconds("timeout",
            "Most seconds per turn before its worker is killed; 0 = no limit (default: 0).");

    public static final Setting<Duration> INTERRUPT_TIMEOUT = seconds("interrupt-timeout", Duration.ofHours(1), "S",
            "Most seconds a turn may wait for answers to its interrupts before it ends in error (default: 3600);"
                    + " the turn's --timeout does not count that wait.");

    public static final Setting<Integer> MAX_SESSIONS = whole("max-sessions", 0, 0,
            "N", "Most sessions at once; 0 = no limit (default: 0).");

    public static final Setting<Duration> SHUTDOWN_TIMEOUT = seconds("shutdown-timeout",
            "Seconds to wait for running turns on shutdown; 0 = wait for all (default: 0).");

    public static final Setting<Boolean> ALLOW_CUSTOM_IDS = new Setting<>("allow-custom-ids",
            "Enable PUT /sessions/{id}.",
            false, node -> node.asBoolean().asOptional(), value -> { }, "", List.of());

    public static final Setting<Isolation> ISOLATION = new Setting<>("isolation",
            "turn: a fresh worker for every turn; session: one worker per active session serves its turns one after"
                    + " another, keeping the agent's memory between them (default: turn).",
            Isolation.TURN, node -> node.asString().asOptional()
                    .map(text -> choice("isolation", Isolation.values(), text)), value -> { }, "MODE", List.of());

    public static final Setting<MultitaskStrategy> MULTITASK_STRATEGY = new Setting<>("multitask-strategy",
            "What a message sent while the session's turn runs does, unless its request says: reject (409),"
                    + " enqueue (runs after it) or interrupt (cancels it and runs at once) (default: reject).",
            MultitaskStrategy.REJECT, node -> node.asString().asOptional().map(Settings::strategy), value -> { },
            "STRATEGY", List.of());

    public static final Setting<Integer> MAX_QUEUED_MESSAGES = whole("max-queued-messages", 10, 1, "N",
            "Most messages queued behind a session's running turn with the enqueue strategy; past it, 409 (default: 10).");

    public static final Setting<Duration> WORKER_IDLE_TIMEOUT = seconds("worker-idle-timeout", Duration.ofMinutes(5), "S",
            "Seconds a session's worker (--isolation session) waits for the session's next message, and a spare above"
                    + " --prewarm for a turn, before it exits (default: 300).");

    public static final Setting<WorkerSnapshots> WORKER_SNAPSHOTS = new Setting<>("worker-snapshots",
            "auto: restore every worker from a checkpoint of a prepared one (CRIU) where CRIU 4.1 or newer works here,"
                    + " else start fresh JVMs; on: the same, and refuse to start without CRIU; off: fresh JVMs"
                    + " (default: auto).",
            WorkerSnapshots.AUTO, node -> node.asString().asOptional()
                    .map(text -> choice("worker-snapshots", WorkerSnapshots.values(), switchAsWord(text))), value -> { },
            "MODE", List.of());

    public static final Setting<Integer> MAX_WAITING_WORKERS = whole("max-waiting-workers", 0, 0, "N",
            "Most workers alive but not running a turn: paused on an interrupt until a human answers, or kept for their"
                    + " session (--isolation session); they hold memory, not CPU, so --workers does not count them"
                    + " (default: 0 = a quarter of the host's memory over worker-heap-mb plus 64 MiB, at least --workers).");

    public static final Setting<Integer> PREWARM = whole("prewarm", 1, 0,
            "N", "Spare workers booted ahead of the next message, each used once (default: 1; 0: none at all).");

    public static final Setting<Integer> PREWARM_MAX = whole("prewarm-max", 4, 1,
            "N", "Most spare workers while turns find none ready: each such turn adds one, and one unused for"
                    + " --worker-idle-timeout exits, down to --prewarm (default: 4; each costs a worker's memory).");

    public static final Setting<String> API_KEY = new Setting<>("api-key",
            "Require 'Authorization: Bearer KEY' on every route but /health and /observe/health"
                    + " (default: $" + API_KEY_VARIABLE + ", else none).",
            null, node -> node.asString().asOptional(), Settings::notBlank, "KEY", List.of());

    public static final Setting<String> STORE_URL = new Setting<>("store-url",
            "Keep sessions in PostgreSQL at this JDBC URL (jdbc:postgresql://HOST:PORT/DB?user=U&password=P), shared by"
                    + " every server pointed at it (default: none, sessions in memory).",
            null, node -> node.asString().asOptional(), Settings::postgresUrl, "URL", List.of());

    public static final Setting<List<NamedKey>> API_KEYS = new Setting<>("api-keys",
            "Several API keys, each naming who presents it ({name, key, admin}): a session is its creator's, and other"
                    + " identities but admins are told it does not exist (config only; default: none).",
            List.of(), node -> node.asNodeList().asOptional().map(Settings::namedKeys), Settings::distinct, null,
            List.of());

    public static final Setting<String> JWT_JWKS = new Setting<>("jwt-jwks",
            "Accept bearer JWTs (RS256, ES256) signed by a key of this JWKS, a file or an https URL: the identity is the"
                    + " token's sub (config only; default: none).",
            null, node -> node.asString().asOptional(), Settings::notBlank, null, List.of());

    public static final Setting<String> JWT_ISSUER = new Setting<>("jwt-issuer",
            "The iss a JWT must carry (config only; required with jwt-jwks).",
            null, node -> node.asString().asOptional(), Settings::notBlank, null, List.of());

    public static final Setting<String> JWT_AUDIENCE = new Setting<>("jwt-audience",
            "An aud a JWT must carry (config only; required with jwt-jwks).",
            null, node -> node.asString().asOptional(), Settings::notBlank, null, List.of());

    public static final Setting<Duration> JWT_CLOCK_SKEW = seconds("jwt-clock-skew", Duration.ofSeconds(60), null,
            "Seconds by which a JWT's exp and nbf may be off this server's clock (default: 60).");

    public static final Setting<String> STORE_USER = new Setting<>("store-user",
            "The store's user, when the URL names none (config only).",
            null, node -> node.asString().asOptional(), Settings::notBlank, null, List.of());

    public static final Setting<String> STORE_PASSWORD = new Setting<>("store-password",
            "The store's password, when the URL holds none (config only; or ~/.pgpass).",
            null, node -> node.asString().asOptional(), value -> { }, null, List.of());

    public static final Setting<Duration> STORE_LEASE = seconds("store-lease", Duration.ofSeconds(10), "S",
            "With --store-url: seconds before a turn whose server stopped without ending it ends in error; its server"
                    + " renews the lease every second (default: 10).");

    public static final Setting<List<String>> WORKER_JVM_OPTIONS = new Setting<>("worker-jvm-options",
            "Extra JVM options for every worker, after the defaults (a list).",
            List.of(), node -> node.asList(String.class).asOptional(), value -> { }, null, List.of());

    public static final Setting<List<String>> WORKER_ENVIRONMENT = new Setting<>("worker-environment",
            "The environment variables workers inherit, by name (a list); default: all of the server's but "
                    + API_KEY_VARIABLE + ", which workers never see.",
            null, node -> node.asList(String.class).asOptional(), value -> { }, null, List.of());

    public static final Setting<Boolean> AGENT_AOT_CACHE = new Setting<>("agent-aot-cache",
            "Make the agent its own AOT cache in the background, once per agent version, and start workers from it"
                    + " (default: true; needs JDK 25).",
            true, node -> node.asBoolean().asOptional(), value -> { }, null, List.of());

    public static final Setting<Path> AOT_CACHE_DIR = new Setting<>("aot-cache-dir",
            "Where agents' AOT caches are kept (default: ~/.cache/motus/aot).",
            Path.of(System.getProperty("user.home"), ".cache", "motus", "aot"),
            node -> node.asString().asOptional().map(Path::of), value -> { }, null, List.of());

    public static final Setting<Integer> WORKER_HEAP_MB = whole("worker-heap-mb", 256, 16,
            null, "The heap cap of each worker in MiB; an agent that needs more fails with OutOfMemoryError (default: 256).");

    public static final Setting<Long> MAX_REQUEST_BYTES = bytes("max-request-bytes", 4L << 20,
            "The largest request body accepted; a larger one is answered 413 (default: 4 MiB).");

    public static final Setting<Long> MAX_RESULT_BYTES = bytes("max-result-bytes", 16L << 20,
            "The largest turn result accepted from a worker; a larger one fails the turn (default: 16 MiB).");

    public static final Setting<Long> MAX_SESSION_BYTES = bytes("max-session-bytes", 16L << 20,
            "The largest state one session may hold, about its size as JSON; a create with more is answered 413, a turn"
                    + " that would leave more fails and keeps the state it had (default: 16 MiB).");

    public static final Setting<Long> MAX_STORED_BYTES = new Setting<>("max-stored-bytes",
            "The most state all sessions together may hold in the server's memory; past it a create is answered 503 and a"
                    + " turn that would grow past it fails and keeps its state; sessions in PostgreSQL do not count"
                    + " (default: 0 = half the server's heap).",
            0L, node -> node.asLong().asOptional(), value -> {
                if (value != 0 && value < 1024) {
                    throw new IllegalArgumentException("max-stored-bytes must be 0 (half the heap) or at least 1024, not "
                            + value);
                }
            }, null, List.of());

    public static final Setting<Integer> MAX_CONNECTIONS = whole("max-connections", 0, 0, null,
            "The most open client connections; more wait in the listen backlog until one closes (default: 0 = the"
                    + " process's file-descriptor limit less room for the JVM and its workers, at most 10000).");

    public static final Setting<Duration> HEADER_TIMEOUT = seconds("header-timeout", Duration.ofSeconds(20), null,
            "Most seconds a client may take to send a request's headers after its first line (default: 20).");

    public static final Setting<Duration> BODY_TIMEOUT = seconds("body-timeout", Duration.ofSeconds(60), null,
            "Most seconds a client may take to send a request's body (default: 60).");

    public static final Setting<Duration> IDLE_TIMEOUT = seconds("idle-timeout", Duration.ofSeconds(60), null,
            "Seconds a kept-alive connection may wait for its next request before it is closed (default: 60).");

    public static final Setting<List<String>> WEBHOOK_HOSTS = new Setting<>("webhook-hosts",
            "Where webhooks may go (a list): *, a host, *.domain, an IP address or a CIDR network; a message whose"
                    + " webhook goes elsewhere is answered 422 (default: [\"*\"], anywhere).",
            List.of("*"), node -> node.asList(String.class).asOptional(), WebhookDestinations::check, null, List.of());

    public static final Setting<Duration> WEBHOOK_TIMEOUT = seconds("webhook-timeout", Duration.ofSeconds(10), null,
            "Most seconds a webhook delivery may take, from connecting to the receiver's last byte (default: 10).");

    public static final Setting<Boolean> UI = onByDefault("ui", "Serve the chat page at /ui");

    public static final Setting<Boolean> A2A = onByDefault("a2a",
            "Serve A2A 1.0 (JSON-RPC) at /a2a and the agent card at /.well-known/agent-card.json");

    public static final Setting<String> A2A_NAME = new Setting<>("a2a-name",
            "The agent's name in its A2A card (default: the agent class's simple name).",
            null, node -> node.asString().asOptional(), Settings::notBlank, "NAME", List.of());

    public static final Setting<String> A2A_DESCRIPTION = new Setting<>("a2a-description",
            "What the agent does, for its A2A card (default: 'An agent served by motus serve').",
            "An agent served by motus serve", node -> node.asString().asOptional(), Settings::notBlank, "TEXT", List.of());

    public static final Setting<Boolean> MCP = onByDefault("mcp", "Serve MCP (Streamable HTTP) at /mcp, the agent as one tool");

    public static final Setting<String> MCP_TOOL = new Setting<>("mcp-tool",
            "The name of the agent's MCP tool: letters, digits, '_' and '-', at most 64 (default: chat).",
            "chat", node -> node.asString().asOptional(), value -> {
                if (!value.matches("[A-Za-z0-9_-]{1,64}")) {
                    throw new IllegalArgumentException("mcp-tool must be 1 to 64 letters, digits, '_' or '-', not '"
                            + value + "'");
                }
            }, "NAME", List.of());

    public static final Setting<Map<String, String>> OTEL = new Setting<>("otel",
            "OpenTelemetry's settings with the 'otel.' prefix left out, as in exporter.otlp.endpoint or"
                    + " traces.sampler; OTEL_* environment variables win (config only; default: none, traces off).",
            Map.of(), node -> Optional.of(flatten(node)), value -> { }, null, List.of());

    /** All of them, in the order help and docs list them. */
    public static final List<Setting<?>> ALL = List.of(AGENT, MODULE_PATH, CLASS_PATH, WORKERS, TTL, TIMEOUT, INTERRUPT_TIMEOUT,
            MAX_SESSIONS, SHUTDOWN_TIMEOUT, ALLOW_CUSTOM_IDS, ISOLATION, MULTITASK_STRATEGY, MAX_QUEUED_MESSAGES,
            WORKER_IDLE_TIMEOUT, WORKER_SNAPSHOTS, MAX_WAITING_WORKERS, PREWARM, PREWARM_MAX,
            API_KEY, API_KEYS, JWT_JWKS, JWT_ISSUER, JWT_AUDIENCE, JWT_CLOCK_SKEW, STORE_URL, STORE_USER, STORE_PASSWORD, STORE_LEASE, WORKER_JVM_OPTIONS, WORKER_ENVIRONMENT,
            AGENT_AOT_CACHE, AOT_CACHE_DIR, WORKER_HEAP_MB, MAX_REQUEST_BYTES, MAX_RESULT_BYTES, MAX_SESSION_BYTES,
            MAX_STORED_BYTES, MAX_CONNECTIONS,
            HEADER_TIMEOUT, BODY_TIMEOUT, IDLE_TIMEOUT, WEBHOOK_HOSTS, WEBHOOK_TIMEOUT, UI, A2A, A2A_NAME, A2A_DESCRIPTION, MCP, MCP_TOOL,
            OTEL);

    private Settings() {
    }

    /** A path list: one ':'-separated string, or in a config file a list of paths as well; {@code dir/*} is dir's jars. */
    private static Setting<List<Path>> paths(String key, List<String> aliases, String description) {
        Function<Config, Optional<List<Path>>> reader = node -> node.type() == Config.Type.LIST
                ? node.asList(String.class).asOptional().map(PathList::of)
                : node.asString().asOptional().map(PathList::parse);
        return new Setting<>(key, description, List.of(), reader, value -> { }, "PATH", aliases);
    }

    /** A tree of settings as {@code a.b.c: value} pairs, the keys relative to {@code node}, nested or dotted alike. */
    private static Map<String, String> flatten(Config node) {
        Map<String, String> flat = new TreeMap<>();
        String prefix = node.key().toString() + ".";
        node.traverse().filter(Config::isLeaf).forEach(leaf -> flat.put(
                Config.Key.unescapeName(leaf.key().toString().substring(prefix.length())),
                leaf.asString().orElse("")));
        return Map.copyOf(flat);
    }

    /** A part of the server that is on unless {@code --no-KEY} or {@code KEY: false} turns it off. */
    private static Setting<Boolean> onByDefault(String key, String does) {
        return new Setting<>(key, does + " (default: true; --no-" + key + " or '" + key + ": false' turns it off).",
                true, node -> node.asBoolean().asOptional(), value -> { }, "", List.of());
    }

    private static Setting<Integer> whole(String key, int defaultValue, int min, @Nullable String flagLabel,
                                          String description) {
        return new Setting<>(key, description, defaultValue, node -> node.asInt().asOptional(),
                atLeast(min, key), flagLabel, List.of());
    }

    private static Setting<Long> bytes(String key, long defaultValue, String description) {
        return new Setting<>(key, description, defaultValue, node -> node.asLong().asOptional(),
                atLeast(1024L, key), null, List.of());
    }

    /** Float seconds, as the flags and the wire take them; zero by default, where zero means no limit. */
    private static Setting<Duration> seconds(String key, String description) {
        return seconds(key, Duration.ZERO, "S", description);
    }

    /** Float seconds, as the flags and the wire take them. */
    private static Setting<Duration> seconds(String key, Duration defaultValue, @Nullable String flagLabel,
                                             String description) {
        Function<Config, Optional<Duration>> reader = node -> node.asDouble().asOptional().map(s -> {
            if (!Double.isFinite(s) || s < 0) {
                throw new IllegalArgumentException(key + " must be a number of seconds >= 0, not " + s);
            }
            return Duration.ofNanos((long) (s * 1e9));
        });
        return new Setting<>(key, description, defaultValue, reader, value -> {
            if (value.isNegative() || value.isZero() && !defaultValue.isZero()) {
                throw new IllegalArgumentException(key + (defaultValue.isZero() ? " must not be negative" : " must be positive")
                        + ", not " + value);
            }
        }, flagLabel, List.of());
    }

    private static <N extends Number & Comparable<N>> Consumer<N> atLeast(N min, String key) {
        return value -> {
            if (value.compareTo(min) < 0) {
                throw new IllegalArgumentException(key + " must be at least " + min + ", not " + value);
            }
        };
    }

    /**
     * One of an enum's values by its name in lower case, as flags and config files spell them.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    private static <E extends Enum<E>> E choice(String key, E[] values, String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values)
                .filter(value -> value.name().toLowerCase(Locale.ROOT).equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(key + " must be one of " + Arrays.stream(values)
                        .map(value -> value.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
                        + ", not '" + text + "'"));
    }

    /** YAML reads an unquoted {@code on} and {@code off} as booleans: that is how they arrive from a file. */
    private static String switchAsWord(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> "on";
            case "false" -> "off";
            default -> text;
        };
    }

    private static MultitaskStrategy strategy(String text) {
        MultitaskStrategy strategy = MultitaskStrategy.fromWireName(text.strip());
        if (strategy == null) {
            throw new IllegalArgumentException("multitask-strategy must be one of reject, enqueue, interrupt, not '"
                    + text + "'");
        }
        return strategy;
    }

    private static void postgresUrl(String value) {
        if (!value.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("must be a PostgreSQL JDBC URL, jdbc:postgresql://HOST:PORT/DATABASE");
        }
    }

    private static List<NamedKey> namedKeys(List<Config> nodes) {
        List<NamedKey> keys = new ArrayList<>();
        for (Config node : nodes) {
            keys.add(new NamedKey(node.get("name").asString().orElse(""), node.get("key").asString().orElse(""),
                    node.get("admin").asBoolean().orElse(false)));
        }
        return keys;
    }

    private static void distinct(List<NamedKey> keys) {
        if (keys.stream().map(NamedKey::name).distinct().count() < keys.size()
                || keys.stream().map(NamedKey::key).distinct().count() < keys.size()) {
            throw new IllegalArgumentException("api-keys must name each identity once and give each its own key");
        }
    }

    private static void notBlank(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("must not be blank");
        }
    }
}
