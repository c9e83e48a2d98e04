package motus.serve.cli;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import motus.serve.server.AgentServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code motus serve start}: checks the agent, serves it until SIGTERM or Ctrl-C, then shuts
 * down as {@code --shutdown-timeout} says and exits 0.
 *
 * <p>Settings come from, strongest first: flags, environment variables, the config file.
 * Flags are boxed so that "not given" is visible and the weaker sources can fill in.
 */
@Command(name = "start", mixinStandardHelpOptions = true, versionProvider = Version.class,
        sortOptions = false,
        description = "Serve an agent over HTTP: one session per conversation, one fresh worker process per turn.")
final class StartCommand implements Callable<Integer> {

    /** The keys a {@code motus.serve} config section may hold; anything else is a typo. */
    static final Set<String> CONFIG_KEYS = Stream.concat(AgentServer.Builder.configKeys().stream(), Stream.of("log-level"))
            .collect(Collectors.toUnmodifiableSet());

    @Parameters(index = "0", arity = "0..1", paramLabel = "<agent>",
            description = "The agent: [module/]Class[:member] (or motus.serve.agent in the config file).")
    String agent;

    @Option(names = {"-p", "--module-path"}, paramLabel = "PATH", description = "Where the agent's modules are (jars or folders, ':'-separated).")
    String modulePath;

    @Option(names = {"-cp", "--class-path"}, paramLabel = "PATH", description = "Non-modular agent jars (':'-separated).")
    String classPath;

    @Option(names = "--host", description = "Bind address (default: 0.0.0.0).")
    String host;

    @Option(names = "--port", description = "Port; 0 picks a free one, which is printed (default: 8000).")
    Integer port;

    @Option(names = "--workers", description = "Most worker processes at once (default: the CPU count).")
    Integer workers;

    @Option(names = "--ttl", paramLabel = "S", description = "Seconds an idle or failed session lives; 0 = forever (default: 0).")
    Double ttl;

    @Option(names = "--timeout", paramLabel = "S", description = "Most seconds per turn before its worker is killed; 0 = no limit (default: 0).")
    Double timeout;

    @Option(names = "--max-sessions", paramLabel = "N", description = "Most sessions at once; 0 = no limit (default: 0).")
    Integer maxSessions;

    @Option(names = "--shutdown-timeout", paramLabel = "S", description = "Seconds to wait for running turns on shutdown; 0 = wait for all (default: 0).")
    Double shutdownTimeout;

    @Option(names = "--allow-custom-ids", description = "Enable PUT /sessions/{id}.")
    Boolean allowCustomIds;

    @Option(names = "--prewarm", paramLabel = "N", description = "Spare workers booted ahead of the next message, each used once (default: 1).")
    Integer prewarm;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on every route but /health and /observe/health (default: $MOTUS_API_KEY, else none).")
    String apiKey;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "debug, info, warning or error (default: info).")
    LogLevel logLevel;

    @Option(names = "--config", paramLabel = "FILE", description = "Helidon config file (default: ./application.yaml if present).")
    Path configFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Config config = config();
        Config settings = config.get("motus.serve");
        try {
            LogLevel level = logLevel != null ? logLevel
                    : settings.get("log-level").asString().map(text -> LogLevel.parse(text, "motus.serve.log-level")).orElse(LogLevel.INFO);
            level.apply();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }

        AgentServer.Builder builder = AgentServer.builder();
        try {
            builder.config(settings);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage()); // names the key
        }
        if (agent != null) {
            builder.agent(agent);
        } else if (settings.get("agent").asString().isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: '<agent>' (or motus.serve.agent in the config file)");
        }
        if (modulePath != null) {
            builder.modulePath(AgentServer.Builder.paths(modulePath));
        }
        if (classPath != null) {
            builder.classPath(AgentServer.Builder.paths(classPath));
        }
        try {
            if (workers != null) {
                builder.maxWorkers(workers);
            }
            if (ttl != null) {
                builder.ttl(AgentServer.Builder.seconds(ttl, "--ttl"));
            }
            if (timeout != null) {
                builder.timeout(AgentServer.Builder.seconds(timeout, "--timeout"));
            }
            if (maxSessions != null) {
                builder.maxSessions(maxSessions);
            }
            if (shutdownTimeout != null) {
                builder.shutdownTimeout(AgentServer.Builder.seconds(shutdownTimeout, "--shutdown-timeout"));
            }
            if (allowCustomIds != null) {
                builder.allowCustomIds(allowCustomIds);
            }
            if (prewarm != null) {
                builder.prewarm(prewarm);
            }
            String environmentKey = System.getenv("MOTUS_API_KEY");
            if (apiKey != null) {
                builder.apiKey(apiKey);
            } else if (environmentKey != null && !environmentKey.isBlank()) {
                builder.apiKey(environmentKey);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String boundHost = host != null ? host : config.get("server.host").asString().orElse("0.0.0.0");
        int boundPort;
        try {
            boundPort = port != null ? port : config.get("server.port").asInt().orElse(8000);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "server.port: not a valid value ("
                    + config.get("server.port").asString().orElse("?") + ")");
        }
        if (boundPort < 0 || boundPort > 65535) {
            throw new ParameterException(spec.commandLine(), (port != null ? "--port" : "server.port")
                    + ": must be between 0 and 65535, not " + boundPort);
        }

        AgentServer server = builder.build();
        // The server's own handlers replace the JVM's, so a signal means a graceful stop and exit 0.
        SignalHandler stop = signal -> server.stop();
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);
        server.start(boundHost, boundPort);
        spec.commandLine().getOut().printf("Serving %s on http://%s:%d (Ctrl-C to stop)%n",
                agent != null ? agent : settings.get("agent").asString().get(), boundHost, server.port());
        server.awaitStopped();
        return 0;
    }

    /**
     * Environment variables over the config file, the Helidon way ({@code MOTUS_SERVE_TTL} sets
     * {@code motus.serve.ttl}). A key under {@code motus.serve} that means nothing is refused.
     */
    private Config config() {
        Path file = configFile != null ? configFile : Path.of("application.yaml");
        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new ParameterException(spec.commandLine(), "config file not found: " + configFile);
        }
        if (!Files.isRegularFile(file)) {
            return Config.builder().disableSystemPropertiesSource().build();
        }
        try {
            Config fileOnly = Config.just(ConfigSources.file(file));
            Set<String> unknown = new TreeSet<>();
            fileOnly.get("motus.serve").asNodeList().orElse(java.util.List.of())
                    .forEach(node -> {
                        if (!CONFIG_KEYS.contains(node.name())) {
                            unknown.add("motus.serve." + node.name());
                        }
                    });
            if (!unknown.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "config " + file + ": unknown key " + String.join(", ", unknown)
                        + " (known: " + String.join(", ", new TreeSet<>(CONFIG_KEYS)) + ")");
            }
            return Config.builder(ConfigSources.file(file)).disableSystemPropertiesSource().build();
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "config " + file + ": " + e.getMessage());
        }
    }
}
