package motus.serve.cli;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import motus.serve.server.AgentServer;
import motus.serve.server.Setting;
import motus.serve.server.Settings;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code motus serve start}: checks the agent, serves it until SIGTERM or Ctrl-C, then shuts
 * down as {@code --shutdown-timeout} says and exits 0.
 *
 * <p>Its flags are the server's {@link Settings} (added by {@link SettingFlags}), and the flags
 * given are a config source above the environment and the config file: one reading of one
 * config sets the server, whatever each value came from.
 */
@Command(name = "start", sortOptions = false, modelTransformer = StartCommand.SettingFlags.class,
        description = "Serve an agent over HTTP: one session per conversation, one fresh worker process per turn.")
final class StartCommand implements Callable<Integer> {

    private static final String SECTION = "motus.serve";
    private static final String LOG_LEVEL = "log-level";

    /** The keys a {@code motus.serve} config section may hold; anything else is a typo. */
    private static final Set<String> CONFIG_KEYS = Stream.concat(Settings.ALL.stream().map(Setting::key), Stream.of(LOG_LEVEL))
            .collect(Collectors.toUnmodifiableSet());
    /** What the server reads under {@code server}: where it listens, nothing else of Helidon's. */
    private static final Set<String> SERVER_KEYS = Set.of("host", "port");

    @Parameters(index = "0", arity = "0..1", paramLabel = "<agent>",
            description = "The agent: [module/]Class[:member] (or motus.serve.agent in the config file).")
    String agent;

    @Option(names = "--host", description = "Bind address (default: 0.0.0.0).")
    String host;

    @Option(names = "--port", description = "Port; 0 picks a free one, which is printed (default: 8000).")
    Integer port;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "debug, info, warning or error (default: info).")
    LogLevel logLevel;

    @Option(names = "--config", paramLabel = "FILE", description = "Helidon config file (default: ./application.yaml if present).")
    Path configFile;

    @Spec
    CommandSpec spec;

    /** The config file the settings were read from, if any: named by errors about its values. */
    private @Nullable Path configFileRead;

    /** A flag for every server setting that has one, named {@code --<key>}, with the setting's description. */
    static final class SettingFlags implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec command) {
            for (Setting<?> setting : Settings.ALL) {
                if (!setting.isFlag()) {
                    continue;
                }
                OptionSpec.Builder flag = OptionSpec.builder(setting.flagNames().toArray(String[]::new))
                        .description(setting.description());
                if (setting.flagLabel().isEmpty()) {
                    // A switch that is on by default is turned off with --no-<key>.
                    flag.arity("0").type(Boolean.class).negatable(Boolean.TRUE.equals(setting.defaultValue()));
                } else {
                    flag.paramLabel(setting.flagLabel()).type(String.class);
                }
                command.addOption(flag.build());
            }
            return command;
        }
    }

    @Override
    public Integer call() {
        Map<String, String> flags = settingFlags();
        Config config = config(flags);
        Config settings = config.get(SECTION);
        try {
            LogLevel level = logLevel != null ? logLevel
                    : settings.get(LOG_LEVEL).asString().map(text -> LogLevel.parse(text, SECTION + "." + LOG_LEVEL))
                            .orElse(LogLevel.INFO);
            level.apply();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String agentReference = settings.get(Settings.AGENT.key()).asString().orElseThrow(() -> new ParameterException(
                spec.commandLine(), "Missing required parameter: '<agent>' (or motus.serve.agent in the config file)"));

        AgentServer.Builder builder = AgentServer.builder();
        try {
            builder.config(settings);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), fromWhere(e.getMessage(), flags));
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
                agentReference, boundHost, server.port());
        server.awaitStopped();
        return 0;
    }

    /** The settings given on the command line, as config keys under {@code motus.serve} with their text. */
    private Map<String, String> settingFlags() {
        Map<String, String> flags = new LinkedHashMap<>();
        if (agent != null) {
            flags.put(SECTION + "." + Settings.AGENT.key(), agent);
        }
        for (Setting<?> setting : Settings.ALL) {
            if (setting.isFlag()) {
                OptionSpec option = spec.findOption("--" + setting.key());
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    flags.put(SECTION + "." + setting.key(), String.valueOf((Object) option.getValue()));
                }
            }
        }
        return flags;
    }

    /**
     * A bad value names its config key; the error says where it came from, in the order the
     * sources override each other: the flag, the environment variable, or the config file.
     */
    private String fromWhere(String message, Map<String, String> flags) {
        int colon = message.indexOf(':');
        if (colon < 0 || !message.startsWith(SECTION + ".")) {
            return message;
        }
        String key = message.substring(0, colon);
        String rest = message.substring(colon);
        if (flags.containsKey(key)) {
            return "--" + key.substring(SECTION.length() + 1) + rest;
        }
        // Helidon's names for it: MOTUS_SERVE_MAX_dash_SESSIONS, or with an upper-case DASH.
        String variable = key.toUpperCase(Locale.ROOT).replace('.', '_');
        for (String name : List.of(variable.replace("-", "_dash_"), variable.replace("-", "_DASH_"), variable)) {
            if (System.getenv(name) != null) {
                return "environment variable " + name + " (" + key + ")" + rest;
            }
        }
        return configFileRead != null ? key + " in " + configFileRead + rest : message;
    }

    /**
     * Flags over the API key's own environment variable, over environment variables the Helidon
     * way ({@code MOTUS_SERVE_TTL} sets {@code motus.serve.ttl}), over the config file. A key
     * under {@code motus.serve} in the file that means nothing is refused.
     */
    private Config config(Map<String, String> flags) {
        List<Supplier<? extends ConfigSource>> sources = new ArrayList<>();
        sources.add(ConfigSources.create(flags));
        String apiKey = System.getenv(Settings.API_KEY_VARIABLE);
        if (apiKey != null && !apiKey.isBlank()) {
            sources.add(ConfigSources.create(Map.of(SECTION + "." + Settings.API_KEY.key(), apiKey)));
        }
        sources.add(ConfigSources.environmentVariables());
        Path file = configFile != null ? configFile : Path.of("application.yaml");
        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new ParameterException(spec.commandLine(), "config file not found: " + configFile);
        }
        try {
            if (Files.isRegularFile(file)) {
                refuseUnknownKeys(file);
                sources.add(ConfigSources.file(file));
                configFileRead = file;
            }
            return Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .sources(sources)
                    .build();
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "config " + file + ": " + e.getMessage());
        }
    }

    /** A typo under either section we read must stop start-up, not leave a default in its place. */
    private void refuseUnknownKeys(Path file) {
        Config read = Config.just(ConfigSources.file(file));
        refuseUnknownKeys(file, read, SECTION, CONFIG_KEYS);
        refuseUnknownKeys(file, read, "server", SERVER_KEYS);
    }

    private void refuseUnknownKeys(Path file, Config read, String section, Set<String> known) {
        Set<String> unknown = new TreeSet<>();
        read.get(section).asNodeList().orElse(List.of()).forEach(node -> {
            if (!known.contains(node.name())) {
                unknown.add(section + "." + node.name());
            }
        });
        if (!unknown.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "config " + file + ": unknown key " + String.join(", ", unknown)
                    + " (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
    }
}
