package motus.serve.worker;

import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A prepared worker checkpointed with CRIU, and the workers restored from it: each copy is a
 * new process, in a pid namespace of its own, with its own pipes, that resumes where the
 * template was checkpointed (agent resolved, warmed up, prepared) instead of booting a JVM.
 *
 * <p>The template runs as the init of a pid namespace of its own ({@code unshare --pid}), so
 * that every copy gets the same pids back in a namespace of its own however many run at once,
 * and so that the end of a copy ends everything it started. A copy is restored by
 * {@code criu restore --exec-cmd}: once the copy runs, criu becomes a process that waits for it
 * and exits with its exit code. So a copy is, to the server, a process like a fresh worker's:
 * the JDK's {@link Process} gives its pipes, its descendants to kill, and its exit code.
 */
public final class WorkerSnapshot {

    private static final System.Logger LOG = System.getLogger("motus.serve.worker");
    /** What criu execs once the copy runs: waits for it, and exits as it did (128 + the signal if killed). */
    private static final String WAIT_FOR_COPY = "wait; exit($? & 127 ? 128 + ($? & 127) : $? >> 8)";
    private static final Pattern VERSION = Pattern.compile("Version: (\\d+)\\.(\\d+)");
    /** The first version that restores on kernels 6.13 and newer (a new vDSO layout). */
    private static final int[] MINIMUM_VERSION = {4, 1};
    private static final long DUMP_TIMEOUT_SECONDS = 120;

    private final WorkerLauncher launcher;
    private final String criu;
    private final String perl;
    private final Path directory;
    /** criu's {@code --inherit-fd} arguments: the template's stdin, stdout and stderr become the copy's new pipes. */
    private final List<String> pipes;
    private final long bytes;
    private final AtomicLong copies = new AtomicLong();

    private WorkerSnapshot(WorkerLauncher launcher, String criu, String perl, Path directory, List<String> pipes,
                           long bytes) {
        this.launcher = launcher;
        this.criu = criu;
        this.perl = perl;
        this.directory = directory;
        this.pipes = pipes;
        this.bytes = bytes;
    }

    /**
     * Why workers cannot be restored here, or null if they can: CRIU 4.1 or newer, its own
     * check of the kernel and privileges, and the tools a template and a copy run under.
     */
    public static @Nullable String unavailable() {
        String criu = tool("criu");
        if (criu == null) {
            return "CRIU is not installed (no criu on the PATH, in /usr/local/sbin or /usr/sbin)";
        }
        Run version = run(List.of(criu, "--version"));
        Matcher matcher = VERSION.matcher(version.output);
        if (!matcher.find()) {
            return criu + " --version did not say its version: " + version.lastLine();
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        if (major < MINIMUM_VERSION[0] || major == MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1]) {
            return "CRIU " + major + "." + minor + " is too old: 4.1 or newer restores on this kernel (tools/install-criu builds it)";
        }
        Run check = run(List.of(criu, "check"));
        if (check.exitCode != 0) {
            return "criu check failed (it needs root, or CAP_CHECKPOINT_RESTORE and CAP_SYS_PTRACE): " + check.lastLine();
        }
        for (String name : List.of("unshare", "setsid", "perl")) {
            if (tool(name) == null) {
                return name + " is missing (util-linux's unshare and setsid, and perl, run each restored worker)";
            }
        }
        return null;
    }

    /**
     * Boots a template worker of {@code launcher}'s agent, lets it warm up and prepare, and
     * checkpoints it into {@code directory} (best on tmpfs: a restore reads the whole image).
     *
     * @throws IOException why there is no snapshot: the agent did not prepare, or criu failed
     */
    public static WorkerSnapshot take(WorkerLauncher launcher, Path directory) throws IOException, InterruptedException {
        String criu = tool("criu");
        String perl = tool("perl");
        if (criu == null || perl == null) {
            throw new IOException(criu == null ? "CRIU is not installed" : "perl is not installed");
        }
        deleteTree(directory);
        Files.createDirectories(directory.resolve("copies"));
        WorkerProcess template = launcher.startTemplate();
        try {
            template.awaitReady();
            template.awaitPrepared();
            long jvm = template.handle().children().findFirst()
                    .orElseThrow(() -> new IOException("the template worker is gone")).pid();
            List<String> pipes = new ArrayList<>();
            for (int fd = 0; fd < 3; fd++) {
                Path link = Files.readSymbolicLink(Path.of("/proc", String.valueOf(jvm), "fd", String.valueOf(fd)));
                pipes.add("--inherit-fd");
                pipes.add("fd[" + fd + "]:" + link);
            }
            // --tcp-close: a connection the agent's prepare() left open is closed in the copies, not a failed dump.
            Run dump = run(List.of(criu, "dump", "-t", String.valueOf(jvm), "-D", directory.toString(), "--tcp-close",
                    "-v1", "-o", "dump.log"), kernelFeatureCache(directory));
            if (dump.exitCode != 0) {
                throw new IOException("criu dump failed (exit code " + dump.exitCode + "): " + lastLines(directory.resolve("dump.log")));
            }
            long bytes;
            try (Stream<Path> files = Files.list(directory)) {
                bytes = files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
            }
            return new WorkerSnapshot(launcher, criu, perl, directory, List.copyOf(pipes), bytes);
        } catch (WorkerStartException e) {
            throw new IOException("the template worker did not prepare: " + e.getMessage(), e);
        } finally {
            template.kill();
        }
    }

    /** The image's size on disk, which is about what each restore copies. */
    public long bytes() {
        return bytes;
    }

    /**
     * Restores a copy; {@link WorkerProcess#awaitReady()} waits until it runs and has reseeded
     * its generators and run the agent's {@code restored()} hook.
     */
    WorkerProcess restore(String tag) throws IOException {
        Path log = directory.resolve("copies").resolve(copies.incrementAndGet() + ".log");
        List<String> command = new ArrayList<>(List.of(criu, "restore", "-D", directory.toString(), "--tcp-close",
                "-v1", "-o", log.toString()));
        command.addAll(pipes);
        command.addAll(List.of("--exec-cmd", "--", perl, "-e", WAIT_FOR_COPY));
        WorkerProcess copy = launcher.launchCopy(command, kernelFeatureCache(directory), tag, log);
        copy.tellRestored();
        return copy;
    }

    /** Removes the image; copies restored from it run on. */
    public void delete() {
        try {
            deleteTree(directory);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "a worker snapshot could not be deleted: {0}", e.toString());
        }
    }

    /** Where a program is: on the PATH, or where Debian puts it (a server's PATH may be short, or empty). */
    static @Nullable String tool(String name) {
        List<String> places = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        places.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        return places.stream().filter(place -> !place.isEmpty()).map(place -> Path.of(place, name))
                .filter(Files::isExecutable).findFirst().map(Path::toString).orElse(null);
    }

    static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Deletes a folder and everything in it; one that is not there is no error. */
    public static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private record Run(int exitCode, String output) {
        String lastLine() {
            List<String> lines = output.strip().lines().toList();
            return lines.isEmpty() ? "(no output)" : lines.getLast();
        }
    }

    /**
     * Where our CRIU build keeps what it learnt of the kernel ({@code tools/criu-kdat-dir.patch}):
     * CRIU keeps it only on a tmpfs, in {@code /run} by default, which many containers do not
     * mount as one; probing the kernel anew costs every restore about 10 ms of CPU. A CRIU without
     * the patch ignores the variable.
     */
    private static Map<String, String> kernelFeatureCache(Path directory) {
        return Map.of("CRIU_KDAT_DIR", directory.toString());
    }

    private static Run run(List<String> command) {
        return run(command, Map.of());
    }

    private static Run run(List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(DUMP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Run(-1, "timed out");
            }
            return new Run(process.exitValue(), output);
        } catch (IOException e) {
            return new Run(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(-1, "interrupted");
        }
    }
}
