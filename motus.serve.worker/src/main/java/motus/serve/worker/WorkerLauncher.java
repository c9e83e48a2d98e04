package motus.serve.worker;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import motus.serve.api.ServableAgent;

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
     * charset classes as the AOT cache's training run did.
     */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr",
            "-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8");

    /** Where the image keeps the AOT cache its build trained for workers. */
    public static final Path IMAGE_AOT_CACHE = Path.of(System.getProperty("java.home"), "lib", "motus-worker.aot");

    private final String agent;
    private final List<String> command;
    private final List<String> trainingCommand;
    private final Set<String> hiddenEnvironment;
    private final long maxResultBytes;

    private WorkerLauncher(Builder builder) {
        this.agent = Objects.requireNonNull(builder.agent, "agent");
        AgentReference.parse(agent);
        this.hiddenEnvironment = Set.copyOf(builder.hiddenEnvironment);
        this.maxResultBytes = builder.maxResultBytes;

        // The JVM part of the command: identical for every agent, so that one AOT cache fits all.
        List<String> jvm = new ArrayList<>();
        jvm.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        jvm.addAll(DEFAULT_JVM_OPTIONS);
        jvm.add("-Xmx" + builder.workerHeapMegabytes + "m");
        jvm.addAll(builder.workerJvmOptions);
        List<Path> ownModulePath = ownModulePath();
        if (!ownModulePath.isEmpty()) {
            jvm.add("--module-path");
            jvm.add(PathList.join(ownModulePath));
        }
        List<String> program = new ArrayList<>();
        program.add("-m");
        program.add("motus.serve.worker/" + WorkerMain.class.getName());
        if (!builder.modulePath.isEmpty()) {
            program.add(WorkerMain.MODULE_PATH);
            program.add(PathList.join(builder.modulePath));
        }
        if (!builder.classPath.isEmpty()) {
            program.add(WorkerMain.CLASS_PATH);
            program.add(PathList.join(builder.classPath));
        }
        program.add(agent);

        List<String> cmd = new ArrayList<>(jvm);
        if (builder.aotCache != null && Files.isRegularFile(builder.aotCache)) {
            cmd.add("-XX:AOTCache=" + builder.aotCache);
        }
        cmd.addAll(program);
        this.command = List.copyOf(cmd);

        List<String> training = new ArrayList<>(jvm);
        training.add("-D" + WorkerMain.TRAINING_PROPERTY + "=true");
        training.add("-XX:AOTCacheOutput=%s");
        training.addAll(program);
        this.trainingCommand = List.copyOf(training);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The agent reference workers resolve. */
    public String agent() {
        return agent;
    }

    /** The full command line of a worker, for logs and diagnostics. */
    public List<String> command() {
        return command;
    }

    /**
     * Starts a worker. It resolves the agent on its own; {@link WorkerProcess#awaitReady()} waits for that.
     *
     * @param tag what its log lines are tagged with until it serves a session
     */
    public WorkerProcess start(String tag) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeAll(hiddenEnvironment);
        long launchedAtMillis = System.currentTimeMillis();
        // The JDK waits on a pipe until the child has exec'd: a pinning read, so off the caller's thread.
        return new WorkerProcess(PipeThreads.call(builder::start), tag, launchedAtMillis, maxResultBytes);
    }

    /**
     * Starts the run that records an AOT cache for workers at {@code output}: a worker with the
     * same JVM flags as every other, which exits normally after its turn so that the JVM writes
     * the cache.
     */
    WorkerProcess startTraining(Path output) throws IOException {
        List<String> cmd = trainingCommand.stream()
                .map(part -> part.equals("-XX:AOTCacheOutput=%s") ? "-XX:AOTCacheOutput=" + output : part)
                .toList();
        return new WorkerProcess(new ProcessBuilder(cmd).start(), "aot training", System.currentTimeMillis(), maxResultBytes);
    }

    /**
     * Where the modules a worker needs come from when they are not linked into this runtime:
     * the jars or folders this JVM loaded them from.
     */
    private static List<Path> ownModulePath() {
        Set<Path> paths = new LinkedHashSet<>();
        for (Class<?> type : List.of(WorkerMain.class, ServableAgent.class, ObjectMapper.class, JsonFactory.class,
                JsonCreator.class)) {
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
        private Path aotCache = IMAGE_AOT_CACHE;

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

        /**
         * The AOT cache workers start with, if the file exists; by default the one the image
         * ships ({@link #IMAGE_AOT_CACHE}). Null: none.
         */
        public Builder aotCache(Path aotCache) {
            this.aotCache = aotCache;
            return this;
        }

        public WorkerLauncher build() {
            return new WorkerLauncher(this);
        }
    }
}
