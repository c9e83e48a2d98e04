package motus.serve.worker;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import motus.serve.api.ServableAgent;
import motus.serve.wire.MessageCodec;
import org.jspecify.annotations.Nullable;

/**
 * Starts worker processes for one agent: a child JVM of the same runtime running
 * {@link WorkerMain}, which loads the agent's modules itself (see {@link AgentCode}).
 *
 * <p>Inside a jlink image our modules are linked in; on a plain JDK (tests, embedding) the
 * worker's own modules are put on its module path from where this JVM loaded them.
 */
public final class WorkerLauncher {

    /**
     * Start-up friendly flags: a worker lives for one turn, so the C2 compiler and a big GC never
     * pay off. JVM warnings go to stderr: on stdout they would corrupt the protocol. Standard
     * error is UTF-8 whatever the locale, because the server reads it as UTF-8 (under a C locale
     * an agent's non-ASCII output would arrive as '?') and so that workers load the same
     * charset classes as the AOT cache's training run did. The JDK's random generators are open to
     * the worker, so that a copy restored from a snapshot can reseed them ({@link CopySeeds}): in
     * every worker, not only in a snapshot's template, because an AOT cache opens only where the
     * JVM's {@code --add-opens} are those it was trained with.
     */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr",
            "-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8",
            "--add-opens=java.base/java.lang=motus.serve.worker", "--add-opens=java.base/java.util=motus.serve.worker",
            "--add-opens=java.base/java.util.concurrent=motus.serve.worker",
            "--add-opens=java.base/sun.security.jca=motus.serve.worker");

    /**
     * The JDK modules every worker's boot layer holds, so that agent code can use them from the
     * module path ({@code requires java.net.http}) and the class path alike: an agent's own
     * layer cannot add system modules. The list is the file {@code platform-modules} beside
     * this class, which the image's jlink step reads too; those a runtime lacks are left out.
     */
    public static final List<String> PLATFORM_MODULES = platformModules();

    private static final String TEMPLATE_INITIAL_HEAP = "-Xms8m";

    /** How a worker's JVM is told what to run. */
    private static final List<String> MAIN = List.of("-m", "motus.serve.worker/" + WorkerMain.class.getName());

    /**
     * What a traced worker needs of OpenTelemetry (see {@link TurnSpans}): the API and the SDK's
     * tracing, no exporter, which is the server's; each module by a class of its own.
     */
    private static final Map<String, String> TRACING_MODULES = tracingModuleClasses();

    /** Where the image keeps the AOT cache its build trained for workers. */
    public static final Path IMAGE_AOT_CACHE = Path.of(System.getProperty("java.home"), "lib", "motus-worker.aot");

    private final String agent;
    /** The shared shape: the agent in a layer of its own, so that the image's one cache fits every agent. */
    private final List<String> command;
    private final List<String> trainingCommand;
    /** The agent's own shape: its jars on the JVM's paths, so that an AOT cache can hold its classes. */
    private final List<String> agentShapeJvm;
    private final List<String> agentShapeProgram;
    private final List<Path> agentPaths;
    private final Set<String> hiddenEnvironment;
    private final @Nullable Set<String> workerEnvironment;
    private final long maxResultBytes;
    private final boolean servesSessions;
    private volatile @Nullable Path agentCache;
    private volatile @Nullable WorkerSnapshot snapshot;

    private WorkerLauncher(Builder builder) {
        this.agent = Objects.requireNonNull(builder.agent, "agent");
        AgentReference.parse(agent);
        this.hiddenEnvironment = Set.copyOf(builder.hiddenEnvironment);
        this.workerEnvironment = builder.workerEnvironment == null ? null : Set.copyOf(builder.workerEnvironment);
        this.maxResultBytes = builder.maxResultBytes;
        this.servesSessions = builder.servesSessions;
        List<Path> agentModulePath = ModulePathEntries.withoutEmptyTwins(builder.modulePath);
        this.agentPaths = Stream.concat(agentModulePath.stream(), builder.classPath.stream()).toList();

        // The JVM part of the command: identical for every agent, so that one AOT cache fits all.
        List<String> jvm = new ArrayList<>();
        jvm.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        jvm.addAll(DEFAULT_JVM_OPTIONS);
        jvm.add("-Xmx" + builder.workerHeapMegabytes + "m");
        jvm.add("--add-modules=" + String.join(",", PLATFORM_MODULES));
        jvm.addAll(builder.workerJvmOptions);
        List<Path> ownModulePath = new ArrayList<>(ownModulePath());
        List<Path> tracing = builder.traced ? tracingModules() : List.of();
        boolean traced = !tracing.isEmpty();
        if (traced) {
            ownModulePath.addAll(tracing);
            jvm.add("--add-modules=" + String.join(",", TRACING_MODULES.keySet()));
        }

        List<String> shared = new ArrayList<>(jvm);
        if (!ownModulePath.isEmpty()) {
            shared.add("--module-path");
            shared.add(PathList.join(ownModulePath));
        }
        List<String> program = new ArrayList<>(MAIN);
        if (!agentModulePath.isEmpty()) {
            program.add(WorkerMain.MODULE_PATH);
            program.add(PathList.join(agentModulePath));
        }
        if (!builder.classPath.isEmpty()) {
            program.add(WorkerMain.CLASS_PATH);
            program.add(PathList.join(builder.classPath));
        }
        program.add(agent);

        List<String> cmd = new ArrayList<>(shared);
        // The image's cache was trained without OpenTelemetry's modules, and would not open with them;
        // the agent's own cache, trained with the traced command line, does (agentCacheKey tells them apart).
        if (!traced && builder.aotCache != null && Files.isRegularFile(builder.aotCache)) {
            cmd.add("-XX:AOTCache=" + builder.aotCache);
        }
        cmd.addAll(program);
        this.command = List.copyOf(cmd);
        this.trainingCommand = training(shared, program);

        // Our modules first: where the agent brings a module we have (Jackson, say), ours wins, as in its own layer.
        List<String> own = new ArrayList<>(jvm);
        List<Path> modulePath = new ArrayList<>(ownModulePath);
        modulePath.addAll(agentModulePath);
        if (!modulePath.isEmpty()) {
            own.add("--module-path");
            own.add(PathList.join(modulePath));
        }
        if (!builder.modulePath.isEmpty()) {
            own.add("--add-modules=ALL-MODULE-PATH");
        }
        if (!builder.classPath.isEmpty()) {
            own.add("--class-path");
            own.add(PathList.join(builder.classPath));
        }
        this.agentShapeJvm = List.copyOf(own);
        this.agentShapeProgram = Stream.concat(MAIN.stream(), Stream.of(agent)).toList();
    }

    private static List<String> training(List<String> jvm, List<String> program) {
        List<String> training = new ArrayList<>(jvm);
        training.add("-D" + WorkerMain.TRAINING_PROPERTY + "=true");
        training.add("-XX:AOTCacheOutput=%s");
        training.addAll(program);
        return List.copyOf(training);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The agent reference workers resolve. */
    public String agent() {
        return agent;
    }

    /** Whether its workers serve one session's turns one after another (see {@link Builder#servesSessions}). */
    public boolean servesSessions() {
        return servesSessions;
    }

    /**
     * The full command line of the next worker: with the agent's own AOT cache once there is one
     * (see {@link #useAgentCache}), else the shared shape with the image's cache.
     */
    public List<String> command() {
        Path cache = agentCache;
        if (cache == null || !Files.isRegularFile(cache)) {
            return command; // never a worker that fails for want of its cache
        }
        List<String> cmd = new ArrayList<>(agentShapeJvm);
        cmd.add("-XX:AOTCache=" + cache);
        cmd.addAll(agentShapeProgram);
        return cmd;
    }

    /**
     * What an agent cache must match: this runtime, the agent's command line and its files.
     * Any change in the image, the flags or the agent's jars gives another key, hence another cache.
     */
    public String agentCacheKey() throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        List<Path> inputs = new ArrayList<>();
        inputs.add(Path.of(System.getProperty("java.home"), "lib", "modules"));
        inputs.add(IMAGE_AOT_CACHE);
        for (Path entry : agentPaths) {
            if (Files.isDirectory(entry)) {
                try (var files = Files.walk(entry)) {
                    files.filter(Files::isRegularFile).sorted().forEach(inputs::add);
                }
            } else {
                inputs.add(entry);
            }
        }
        StringBuilder text = new StringBuilder(String.join("\u0000", agentShapeJvm)).append('\n');
        text.append(String.join("\u0000", agentShapeProgram)).append('\n').append(Runtime.version()).append('\n');
        for (Path input : inputs) {
            if (Files.exists(input)) {
                text.append(input.toAbsolutePath()).append(' ').append(Files.size(input)).append(' ')
                        .append(Files.getLastModifiedTime(input).toMillis()).append('\n');
            }
        }
        return HexFormat.of().formatHex(digest.digest(text.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    }

    /** From now on, workers start in the agent's own shape with this cache (null: the shared shape again). */
    public void useAgentCache(@Nullable Path cache) {
        this.agentCache = cache;
    }

    /** From now on, workers are restored from {@code snapshot} (null: started as fresh JVMs again). */
    public void useSnapshot(@Nullable WorkerSnapshot snapshot) {
        this.snapshot = snapshot;
    }

    /** Whether workers are restored from a snapshot now. */
    public boolean restoresWorkers() {
        return snapshot != null;
    }

    /**
     * Starts a worker: restored from the snapshot if there is one, else a fresh JVM. It resolves
     * the agent on its own; {@link WorkerProcess#awaitReady()} waits for that.
     *
     * @param tag what its log lines are tagged with until it serves a session
     */
    public WorkerProcess start(String tag) throws IOException {
        WorkerSnapshot from = snapshot;
        return from != null ? from.restore(tag) : startFresh(tag, Map.of());
    }

    /**
     * Starts a fresh JVM as a worker, with {@code variables} added to its environment (and so to
     * the processes it starts), whatever the worker environment allows otherwise. A copy of a
     * snapshot has the template's environment, so a turn with variables of its own needs this.
     */
    public WorkerProcess startFresh(String tag, Map<String, String> variables) throws IOException {
        return launch(command(), tag, Level.INFO, variables);
    }

    /**
     * Starts a snapshot's template: the shared shape's worker (with the image's AOT cache) in a
     * pid namespace and session of its own, told to prepare and wait to be checkpointed.
     */
    WorkerProcess startTemplate() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Objects.requireNonNull(WorkerSnapshot.tool("unshare"), "unshare"),
                "--pid", "--fork", "--kill-child", Objects.requireNonNull(WorkerSnapshot.tool("setsid"), "setsid")));
        int main = command.indexOf(MAIN.getFirst());
        cmd.add(command.getFirst());
        // A small heap to start from, which grows in a copy as its turn needs: the warm-up's garbage
        // would otherwise stay in the image (34 → 25 MiB for the echo agent, 8 ms less CPU per
        // restore). Before the worker's own options, so that an -Xms of the user's wins.
        cmd.add(TEMPLATE_INITIAL_HEAP);
        cmd.addAll(command.subList(1, main));
        // The AOT cache mapped where it was made, not at a random address: its pages stay the file's,
        // out of the image (29 → 22 MB for the echo agent, 5 ms less CPU per restore). Every copy has
        // the template's layout anyway, so randomising this one mapping would hide nothing among them.
        cmd.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0"));
        cmd.add("-D" + WorkerMain.TEMPLATE_PROPERTY + "=true");
        cmd.addAll(command.subList(main, command.size()));
        return launch(cmd, "snapshot template", Level.INFO);
    }

    /** Starts {@code criu restore} of a copy; {@code log} is criu's, which a failure to start quotes. */
    WorkerProcess launchCopy(List<String> criuRestore, Map<String, String> environment, String tag, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(criuRestore);
        builder.environment().putAll(environment);
        long launchedAtMillis = System.currentTimeMillis();
        return new WorkerProcess(PipeThreads.call(builder::start), tag, launchedAtMillis, maxResultBytes, Level.INFO,
                servesSessions, log);
    }

    /**
     * Starts the run that records the image's AOT cache for workers at {@code output}: a worker
     * in the shared shape, which exits normally after its turn so that the JVM writes the cache.
     */
    WorkerProcess startTraining(Path output) throws IOException {
        return launch(withOutput(trainingCommand, output), "aot training", Level.INFO);
    }

    /**
     * Starts the run that records the agent's own AOT cache at {@code output}: a worker in the
     * agent's shape that resolves the agent, runs its {@code prepare()} and exits normally
     * without a turn (a turn would call the agent's model), so that the JVM writes the cache.
     * Close its input to let it finish.
     */
    public WorkerProcess startAgentCacheTraining(Path output) throws IOException {
        // Its output is the JVM's report on what it cached, routine every time: debug. A failure's
        // last lines still reach the warning the server logs (WorkerProcess.lastLines).
        return launch(withOutput(training(agentShapeJvm, agentShapeProgram), output), "agent cache training",
                Level.DEBUG);
    }

    private static List<String> withOutput(List<String> training, Path output) {
        return training.stream()
                .map(part -> part.equals("-XX:AOTCacheOutput=%s") ? "-XX:AOTCacheOutput=" + output : part)
                .toList();
    }

    private WorkerProcess launch(List<String> cmd, String tag, Level outputLevel) throws IOException {
        return launch(cmd, tag, outputLevel, Map.of());
    }

    private WorkerProcess launch(List<String> cmd, String tag, Level outputLevel, Map<String, String> variables)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(cmd);
        if (workerEnvironment != null) {
            builder.environment().keySet().retainAll(workerEnvironment);
        }
        builder.environment().keySet().removeAll(hiddenEnvironment);
        builder.environment().putAll(variables);
        long launchedAtMillis = System.currentTimeMillis();
        // The JDK waits on a pipe until the child has exec'd: a pinning read, so off the caller's thread.
        return new WorkerProcess(PipeThreads.call(builder::start), tag, launchedAtMillis, maxResultBytes, outputLevel,
                servesSessions, null);
    }

    private static List<String> platformModules() {
        try (InputStream in = WorkerLauncher.class.getResourceAsStream("platform-modules")) {
            if (in == null) {
                throw new IllegalStateException("the list of platform modules is missing from motus.serve.worker");
            }
            ModuleFinder system = ModuleFinder.ofSystem();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip)
                    .filter(name -> !name.isEmpty() && system.find(name).isPresent())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> tracingModuleClasses() {
        Map<String, String> modules = new LinkedHashMap<>();
        modules.put("io.opentelemetry.common", "io.opentelemetry.common.ComponentLoader");
        modules.put("io.opentelemetry.context", "io.opentelemetry.context.Context");
        modules.put("io.opentelemetry.api", "io.opentelemetry.api.trace.Span");
        modules.put("io.opentelemetry.sdk.common", "io.opentelemetry.sdk.common.Clock");
        modules.put("io.opentelemetry.sdk.trace", "io.opentelemetry.sdk.trace.SdkTracerProvider");
        return Collections.unmodifiableMap(modules);
    }

    /**
     * Where this JVM loaded OpenTelemetry's API and tracing SDK from (the image's lib/otel, or
     * Maven's repository; as modules or from the class path), or nothing if it lacks any of them.
     */
    private static List<Path> tracingModules() {
        List<Path> jars = new ArrayList<>();
        for (String type : TRACING_MODULES.values()) {
            try {
                CodeSource source = Class.forName(type, false, WorkerLauncher.class.getClassLoader())
                        .getProtectionDomain().getCodeSource();
                if (source == null || !"file".equals(source.getLocation().getProtocol())) {
                    return List.of();
                }
                jars.add(Path.of(source.getLocation().toURI()));
            } catch (ClassNotFoundException | URISyntaxException e) {
                return List.of();
            }
        }
        return jars;
    }

    /**
     * Where the modules a worker needs come from when they are not linked into this runtime:
     * the jars or folders this JVM loaded them from.
     */
    private static List<Path> ownModulePath() {
        Set<Path> paths = new LinkedHashSet<>();
        for (Class<?> type : List.of(WorkerMain.class, MessageCodec.class, ServableAgent.class, ObjectMapper.class,
                JsonFactory.class, JsonCreator.class)) {
            CodeSource source = type.getProtectionDomain().getCodeSource();
            if (source != null && "file".equals(source.getLocation().getProtocol())) {
                try {
                    paths.add(Path.of(source.getLocation().toURI()));
                } catch (URISyntaxException e) {
                    throw new IllegalStateException("cannot locate the module of " + type.getName(), e);
                }
            }
        }
        return List.copyOf(paths);
    }

    /**
     * The settings of a {@link WorkerLauncher}, named as the server's settings that feed them
     * (which declare their defaults and checks; these defaults serve the image build and tests).
     */
    public static final class Builder {
        private String agent;
        private List<Path> modulePath = List.of();
        private List<Path> classPath = List.of();
        private List<String> workerJvmOptions = List.of();
        private int workerHeapMegabytes = 256;
        private long maxResultBytes = 16L << 20;
        private Set<String> hiddenEnvironment = Set.of();
        private @Nullable List<String> workerEnvironment;
        private Path aotCache = IMAGE_AOT_CACHE;
        private boolean servesSessions;
        private boolean traced;

        private Builder() {
        }

        /** The agent reference, {@code [module/]Class[:member]}. */
        public Builder agent(String agent) {
            this.agent = agent;
            return this;
        }

        /** Where the agent's modules are: modular jars or exploded folders. */
        public Builder modulePath(List<Path> modulePath) {
            this.modulePath = List.copyOf(modulePath);
            return this;
        }

        /** Where the agent's plain (non-modular) jars are. */
        public Builder classPath(List<Path> classPath) {
            this.classPath = List.copyOf(classPath);
            return this;
        }

        /** Extra options for each worker JVM, after the defaults, so they win. */
        public Builder workerJvmOptions(List<String> options) {
            this.workerJvmOptions = List.copyOf(options);
            return this;
        }

        /** The heap cap of each worker. */
        public Builder workerHeapMegabytes(int megabytes) {
            this.workerHeapMegabytes = megabytes;
            return this;
        }

        /** The largest answer read from a worker; a larger one fails the turn and kills the worker. */
        public Builder maxResultBytes(long bytes) {
            this.maxResultBytes = bytes;
            return this;
        }

        /** Environment variables the server has that workers must not see, such as its API key. */
        public Builder hiddenEnvironment(Set<String> names) {
            this.hiddenEnvironment = Set.copyOf(names);
            return this;
        }

        /** The only environment variables workers inherit (hidden ones excepted); null: all. */
        public Builder workerEnvironment(@Nullable List<String> names) {
            this.workerEnvironment = names;
            return this;
        }

        /**
         * The AOT cache workers start with, if the file exists; by default the one the image
         * ships ({@link #IMAGE_AOT_CACHE}). Null: none.
         */
        public Builder aotCache(Path aotCache) {
            this.aotCache = aotCache;
            return this;
        }

        /**
         * Whether each worker serves one session's turns one after another, waiting for the next
         * after each answer (default false: one turn, then it exits). The command line is the
         * same either way, so spares and AOT caches are too.
         */
        public Builder servesSessions(boolean servesSessions) {
            this.servesSessions = servesSessions;
            return this;
        }

        /**
         * Whether workers get OpenTelemetry's API and tracing SDK, so that a traced turn's spans,
         * the agent's included, reach the server (default false). Needs this JVM to have loaded
         * them; without them, it changes nothing.
         */
        public Builder traced(boolean traced) {
            this.traced = traced;
            return this;
        }

        public WorkerLauncher build() {
            return new WorkerLauncher(this);
        }
    }
}
