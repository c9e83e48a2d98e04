package motus.serve.worker;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import motus.serve.api.ServableAgent;

/**
 * Starts worker processes for one agent: a child JVM of the same runtime, on the module path,
 * running {@link WorkerMain}.
 *
 * <p>Inside a jlink image our modules are linked in and only the agent's paths are passed; on a
 * plain JDK (tests, embedding) the worker's own modules are found where their classes were loaded.
 */
public final class WorkerLauncher {

    /** Start-up friendly flags: a worker lives for one turn, so the C2 compiler and a big GC never pay off. */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto");

    private final String agent;
    private final List<String> command;
    private final Set<String> hiddenEnvironment;

    private WorkerLauncher(Builder builder) {
        this.agent = Objects.requireNonNull(builder.agent, "agent");
        AgentReference ref = AgentReference.parse(agent);
        this.hiddenEnvironment = Set.copyOf(builder.hiddenEnvironment);

        List<String> cmd = new ArrayList<>();
        cmd.add(builder.javaExecutable.toString());
        cmd.addAll(DEFAULT_JVM_OPTIONS);
        cmd.add("-Xmx" + builder.maxHeapMegabytes + "m");
        cmd.addAll(builder.jvmOptions);
        List<Path> modulePath = Stream.concat(ownModulePath().stream(), builder.modulePath.stream()).toList();
        if (!modulePath.isEmpty()) {
            cmd.add("--module-path");
            cmd.add(join(modulePath));
        }
        if (!builder.classPath.isEmpty()) {
            cmd.add("--class-path");
            cmd.add(join(builder.classPath));
        }
        if (ref.module() != null) {
            cmd.add("--add-modules");
            cmd.add(ref.module());
        } else if (!builder.modulePath.isEmpty()) {
            // Without a module name the class can be in any module of the agent's path.
            cmd.add("--add-modules");
            cmd.add("ALL-MODULE-PATH");
        }
        cmd.add("-m");
        cmd.add("motus.serve.worker/" + WorkerMain.class.getName());
        cmd.add(agent);
        this.command = List.copyOf(cmd);
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
        return new WorkerProcess(builder.start(), tag);
    }

    private static String join(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
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

    /** The settings of a {@link WorkerLauncher}. */
    public static final class Builder {
        private String agent;
        private List<Path> modulePath = List.of();
        private List<Path> classPath = List.of();
        private List<String> jvmOptions = List.of();
        private Set<String> hiddenEnvironment = Set.of();
        private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        private int maxHeapMegabytes = 256;

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
        public Builder jvmOptions(List<String> jvmOptions) {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /** The heap cap of each worker. */
        public Builder maxHeapMegabytes(int megabytes) {
            if (megabytes < 16) {
                throw new IllegalArgumentException("worker heap must be at least 16 MiB, not " + megabytes);
            }
            this.maxHeapMegabytes = megabytes;
            return this;
        }

        /** Environment variables the server has that workers must not see, such as its API key. */
        public Builder hiddenEnvironment(Set<String> names) {
            this.hiddenEnvironment = Set.copyOf(names);
            return this;
        }

        /** The {@code java} that runs workers; by default this runtime's own. */
        public Builder javaExecutable(Path java) {
            if (!Files.isExecutable(java)) {
                throw new IllegalArgumentException("not an executable java: " + java);
            }
            this.javaExecutable = java;
            return this;
        }

        public WorkerLauncher build() {
            return new WorkerLauncher(this);
        }
    }
}
